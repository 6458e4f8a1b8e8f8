"""Record every API write, and any admin write no ModelAdmin hook saw.

`AuditMiddleware` sits after AuthenticationMiddleware. Other requests (USSD hops, pages,
reads) pass through untouched; for writes it keeps the audit state of the request (request
id, channel, client address; see audit.context) and:

- API (POST, PUT, PATCH, DELETE under /api/, and the partner API under /gsma/): the body is
  read *before* the view (DRF reads the stream itself, after which Django's `request.body` is
  gone) and recorded with secrets masked, with the Idempotency-Key (the partner API's
  X-CorrelationID), the status and the actor. DRF authenticates
  inside the view and sets the Django request's `user` (and `auth`) as it does, so after
  the response `request.user` is the token's user or the agent's device;
- admin: add, change, delete and actions are recorded by audit.admin_hooks. A POST that
  succeeded (status below 400) on any other admin page (a custom view, the password change)
  and left no record is recorded here with its form fields masked, so a new admin page is
  audited before anyone thinks of it. Login and logout are audit.logins' business.

The records are written after the response, in autocommit: ATOMIC_REQUESTS is off, so the
view's own transactions are over and an audit failure (logged) cannot undo them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponseBase, QueryDict
from django.http.request import RawPostDataException

from audit import services
from audit.admin_actions import posted_form
from audit.context import API_PREFIX, PARTNER_API_PREFIX, RequestAudit, admin_prefix, for_request
from wallets.logging import redact

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
BODY_LIMIT = 64 * 1024  # bytes of an API body kept in a record
REASON_FIELDS = ("reason", "note")
# ModelAdmin views whose writes audit.admin_hooks records, and the pages audit.logins covers.
HOOKED_VIEWS = ("_changelist", "_add", "_change", "_delete")
LOGIN_VIEWS = {"login", "logout"}


class AuditMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        is_api_write = request.method in WRITE_METHODS and request.path.startswith(
            (API_PREFIX, PARTNER_API_PREFIX)
        )
        body = None
        if is_api_write:
            with services.quietly("reading an API body"):
                body = read_body(request)
        response = self.get_response(request)
        with services.quietly("an API or admin request"):
            if is_api_write:
                record_api_write(request, response, body)
            elif request.method == "POST" and request.path.startswith(admin_prefix()):
                record_unhooked_admin_post(request, response, for_request(request))
        return response


def read_body(request: HttpRequest) -> Any:
    """The request's body as data (JSON or form), or a note saying why it is not kept."""
    content_type = request.content_type or ""
    if content_type.startswith("multipart/"):
        return "<multipart body not recorded>"
    try:
        raw = request.body  # read now, and kept by Django for the view
    except (RawPostDataException, RequestDataTooBig, OSError) as error:  # too big, or read
        return f"<body not recorded: {type(error).__name__}>"
    if len(raw) > BODY_LIMIT:
        return f"<{len(raw)} bytes not recorded>"
    text = raw.decode(errors="replace")
    if content_type == "application/json" or text.lstrip().startswith(("{", "[")):
        try:
            return json.loads(text)
        except ValueError:
            pass
    if content_type == "application/x-www-form-urlencoded":
        form = QueryDict(text).lists()
        return {name: values[0] if len(values) == 1 else values for name, values in form}
    return redact(text)


def record_api_write(request: HttpRequest, response: HttpResponseBase, body: Any) -> None:
    match = request.resolver_match
    data = getattr(response, "data", None)
    details: dict[str, Any] = {"body": body}
    if isinstance(data, dict):
        if reference := data.get("reference") or data.get("transactionReference"):
            details["reference"] = str(reference)
        if isinstance(error := data.get("error"), dict) and "code" in error:
            details["error"] = str(error["code"])
        elif "errorCode" in data:  # the partner API's GSMA error object
            details["error"] = str(data["errorCode"])
    entry = services.build(
        action=(match.url_name if match and match.url_name else request.method or "").lower(),
        reason=reason_in(body),
        details=details,
        request=request,
    )
    entry.status_code = response.status_code
    entry.idempotency_key = (
        request.headers.get("Idempotency-Key") or request.headers.get("X-CorrelationID", "")
    )[:200]
    services.save([entry], request=request)


def record_unhooked_admin_post(
    request: HttpRequest, response: HttpResponseBase, context: RequestAudit
) -> None:
    match = request.resolver_match
    name = match.url_name if match and match.url_name else ""
    if context.written or response.status_code >= 400 or name in LOGIN_VIEWS:
        return
    # ModelAdmin's own URLs carry `model_admin` (ModelAdmin.get_urls); their writes are hooked.
    if getattr(match and match.func, "model_admin", None) and name.endswith(HOOKED_VIEWS):
        return
    entry = services.build(
        action=name or "post",
        reason=reason_in(posted_form(request)),
        details={"form": posted_form(request)},
        request=request,
    )
    entry.status_code = response.status_code
    services.save([entry], request=request)


def reason_in(data: Any) -> str:
    if not isinstance(data, dict):
        return ""
    return next((str(data[name]) for name in REASON_FIELDS if data.get(name)), "")
