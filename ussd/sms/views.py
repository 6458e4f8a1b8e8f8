"""Africa's Talking SMS callbacks: delivery reports and incoming messages.

AT signs nothing, so the URL carries a secret token (compared in constant time, several
allowed for rotation). A bad token gets 403 and touches nothing; a malformed report 400; a
report for a message we do not know is stored and answered 200, so AT stops retrying it.
An incoming message runs the SMS menu (ussd/sms/inbound.py); its `text` may hold a PIN,
so it is never logged or shown in an error report.
"""

from __future__ import annotations

import hmac

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from ussd.sms import conf, inbound, services
from wallets.errors import InvalidPhoneNumber
from wallets.phones import normalize_phone

# Form field -> (service argument, longest accepted value, required).
REPORT_FIELDS = {
    "id": ("provider_message_id", 100, True),
    "status": ("status", 32, True),
    "phoneNumber": ("phone_number", 20, True),
    "networkCode": ("network_code", 10, False),
    "failureReason": ("failure_reason", 64, False),
    "retryCount": ("retry_count", 10, False),
}

# Form field -> (`inbound.Inbound` field, longest accepted value, required).
INBOUND_FIELDS = {
    "id": ("provider_id", 100, True),
    "from": ("phone", 20, True),
    "to": ("to", 20, False),
    "text": ("text", 1600, False),
    "date": ("date", 40, False),
    "linkId": ("link_id", 100, False),
    "networkCode": ("network_code", 10, False),
}


def token_is_valid(token: str) -> bool:
    given = token.encode()
    # Compare with every token (no early exit), so timing says nothing about which matched.
    matches = [hmac.compare_digest(given, valid.encode()) for valid in conf.callback_tokens()]
    return any(matches)


@csrf_exempt
@require_POST
def africastalking_delivery_report(request: HttpRequest, token: str) -> HttpResponse:
    if not token_is_valid(token):
        return HttpResponseForbidden("Forbidden", content_type="text/plain")
    values: dict[str, str] = {}
    for field, (argument, longest, required) in REPORT_FIELDS.items():
        value = request.POST.get(field, "").strip()
        if (required and not value) or len(value) > longest:
            return HttpResponseBadRequest(f"Bad or missing {field}", content_type="text/plain")
        values[argument] = value
    services.record_delivery_report(**values)
    return HttpResponse("OK", content_type="text/plain")


@csrf_exempt
@require_POST
@sensitive_post_parameters("text")
def africastalking_inbound(request: HttpRequest, token: str) -> HttpResponse:
    """A customer's message: answered by a queued SMS; a redelivered `id` changes nothing."""
    if not token_is_valid(token):
        return HttpResponseForbidden("Forbidden", content_type="text/plain")
    values: dict[str, str] = {}
    for field, (argument, longest, required) in INBOUND_FIELDS.items():
        value = request.POST.get(field, "").strip()
        if (required and not value) or len(value) > longest or "\x00" in value:
            return HttpResponseBadRequest(f"Bad or missing {field}", content_type="text/plain")
        values[argument] = value
    try:
        values["phone"] = normalize_phone(values["phone"])
    except InvalidPhoneNumber:
        return HttpResponseBadRequest("Bad from: not a phone number", content_type="text/plain")
    inbound.receive(inbound.Inbound(**values))
    return HttpResponse("OK", content_type="text/plain")
