"""Africa's Talking SMS callbacks: delivery reports.

AT signs nothing, so the URL carries a secret token (compared in constant time, several
allowed for rotation). A bad token gets 403 and touches nothing; a malformed report 400; a
report for a message we do not know is stored and answered 200, so AT stops retrying it.
"""

from __future__ import annotations

import hmac

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from ussd.sms import conf, services

# Form field -> (service argument, longest accepted value, required).
REPORT_FIELDS = {
    "id": ("provider_message_id", 100, True),
    "status": ("status", 32, True),
    "phoneNumber": ("phone_number", 20, True),
    "networkCode": ("network_code", 10, False),
    "failureReason": ("failure_reason", 64, False),
    "retryCount": ("retry_count", 10, False),
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
