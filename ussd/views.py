"""Africa's Talking USSD callbacks: the session hop and the end-of-session notification.

Both are authenticated by a secret token in the path (compared in constant time) and an
optional IP allow-list; the customer's PIN authorises money. Replies are `text/plain`
starting `CON ` or `END `. The `text` field carries PINs, so it is never logged.
"""

from __future__ import annotations

import hmac
import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from config.clientip import client_ip, ip_allowed
from ussd.engine import mask_codes, redact_pins
from ussd.models import UssdSessionEnd
from ussd.sessions import Hop, handle_hop
from wallets.errors import InvalidPhoneNumber
from wallets.phones import normalize_phone

logger = logging.getLogger(__name__)

MAX_TEXT = 500
# A token of four digits, spaces around it allowed (the menu strips them before using a PIN).


def plain(body: str, status: int = 200) -> HttpResponse:
    return HttpResponse(body, status=status, content_type="text/plain; charset=utf-8")


def authorised(request: HttpRequest, token: str) -> bool:
    expected = settings.USSD_CALLBACK_TOKEN
    if not hmac.compare_digest(token.encode(), expected.encode()):
        return False
    return ip_allowed(request, settings.USSD_ALLOWED_IPS)


@csrf_exempt
@require_POST
@sensitive_post_parameters("text", "input")
def session_hop(request: HttpRequest, token: str) -> HttpResponse:
    if not authorised(request, token):
        logger.warning("USSD callback refused from %s", client_ip(request))
        return plain("Forbidden", 403)
    session_id = request.POST.get("sessionId", "").strip()
    text = request.POST.get("text", "")
    if not session_id or len(session_id) > 100 or len(text) > MAX_TEXT:
        return plain("Bad request: sessionId, phoneNumber and text are required.", 400)
    if has_nul(request):
        return plain("Bad request: a field contains a NUL character.", 400)
    try:
        phone = normalize_phone(request.POST.get("phoneNumber", ""))
    except InvalidPhoneNumber:
        return plain("Bad request: phoneNumber is not a valid phone number.", 400)
    hop = Hop(
        session_id=session_id,
        phone=phone,
        service_code=request.POST.get("serviceCode", "")[:40],
        network_code=request.POST.get("networkCode", "")[:10],
        text=text,
    )
    reply, label = handle_hop(hop)
    response = plain(reply)
    response["at-ussd-hop-metadata"] = label[:99].replace("|", "/")
    return response


@csrf_exempt
@require_POST
@sensitive_post_parameters("input", "lastAppResponse")
def session_end(request: HttpRequest, token: str) -> HttpResponse:
    """Store the outcome AT reports; `input` holds every token typed, PINs included."""
    if not authorised(request, token):
        return plain("Forbidden", 403)
    data = request.POST
    if not data.get("sessionId"):
        return plain("Bad request: sessionId is required.", 400)
    if has_nul(request):
        return plain("Bad request: a field contains a NUL character.", 400)
    UssdSessionEnd.objects.create(
        session_id=data["sessionId"][:100],
        phone=data.get("phoneNumber", "")[:20],
        service_code=data.get("serviceCode", "")[:40],
        network_code=data.get("networkCode", "")[:10],
        status=data.get("status", "")[:20],
        duration_ms=_integer(data.get("durationInMillis")),
        hops=_integer(data.get("hopsCount")),
        cost=data.get("cost", "")[:40],
        input_redacted=redact_pins(data.get("input", ""))[:MAX_TEXT],
        last_app_response=mask_codes(data.get("lastAppResponse", ""))[:500],
        error_message=data.get("errorMessage", "")[:500],
    )
    return plain("OK")


def has_nul(request: HttpRequest) -> bool:
    """No gateway sends NUL, and PostgreSQL cannot store it in a text column (a 500)."""
    return any("\x00" in value for value in request.POST.values())


def _integer(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 10 else None
