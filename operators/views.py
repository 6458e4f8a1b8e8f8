"""Operator callback endpoint: `/operators/<code>/<token>/<kind>/?ref=<our reference>`.

The operator's own secret token in the path (`operators.conf.callback_token`, compared in
constant time) and an optional IP allow-list (`OPERATOR_ALLOWED_IPS`, read through the
trusted proxies: config.clientip) authenticate the operator. The body is recorded and a task applies
it, so the operator gets its answer at once (Daraja and MoMo time out quickly and MoMo never
retries). Daraja is answered with its acknowledgement shape; MoMo with an empty 200.
"""

from __future__ import annotations

import hmac
import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from config.clientip import client_ip, ip_allowed
from operators import callbacks
from operators.conf import callback_token
from operators.models import Operator

logger = logging.getLogger(__name__)
KINDS = {"collection", "payout", "status", "balance", "reversal", "timeout"}
MAX_BODY = 64 * 1024


@csrf_exempt
def callback(request: HttpRequest, code: str, token: str, kind: str) -> HttpResponse:
    if not hmac.compare_digest(token.encode(), callback_token(code).encode()):
        return HttpResponse("forbidden", status=403, content_type="text/plain")
    if not ip_allowed(request, settings.OPERATOR_ALLOWED_IPS):
        logger.warning("operator callback refused from %s", client_ip(request))
        return HttpResponse("forbidden", status=403, content_type="text/plain")
    if request.method not in ("POST", "PUT"):
        return HttpResponse("method not allowed", status=405, content_type="text/plain")
    operator = Operator.objects.filter(code=code, active=True).first()
    if operator is None or kind not in KINDS:
        return HttpResponse("not found", status=404, content_type="text/plain")
    if len(request.body) > MAX_BODY or not callbacks.is_json(request.body):
        return HttpResponse("bad request", status=400, content_type="text/plain")
    recorded = callbacks.record(operator, kind, request.body, request.GET.get("ref", ""))
    _queue(recorded.pk)
    if operator.kind == "daraja":
        return JsonResponse({"ResultCode": 0, "ResultDesc": "Accepted"})
    return HttpResponse(status=200)


def _queue(callback_id: int) -> None:
    from operators.tasks import process_callback

    try:
        process_callback.delay(callback_id)
    except Exception:  # the callback is stored: the poller's status query settles the request
        logger.warning("could not queue operator callback %s", callback_id, exc_info=True)
