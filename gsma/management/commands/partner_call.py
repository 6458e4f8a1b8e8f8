"""Call the partner API as a partner does, signing the request (`gsma.auth`): for trying the
API by hand and for the demo. The secret is read from the environment, never an argument
(arguments show in `ps` and shell history).

    PARTNER_SECRET=sk_... manage.py partner_call --client-id pk_... \\
        POST /transactions/type/merchantpay '{"amount": "50.00", ...}'
"""

from __future__ import annotations

import json
import os
import uuid
from typing import Any

import requests
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from gsma import auth

BASE = "/gsma/v1.2/mm"


class Command(BaseCommand):
    help = "Send one signed request to the partner API and print the answer."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("method", choices=["GET", "POST", "PATCH"])
        parser.add_argument("path", help="Below /gsma/v1.2/mm, e.g. /heartbeat")
        parser.add_argument("body", nargs="?", default="", help="JSON body for POST/PATCH")
        parser.add_argument("--client-id", required=True)
        parser.add_argument("--server", default="http://127.0.0.1:8000")
        parser.add_argument("--callback-url", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        secret = os.environ.get("PARTNER_SECRET", "")
        if not secret:
            raise CommandError("Set PARTNER_SECRET to the credential's secret.")
        method = options["method"]
        body = b""
        if options["body"]:
            try:
                body = json.dumps(json.loads(options["body"])).encode()
            except ValueError as error:
                raise CommandError(f"The body is not JSON: {error}") from None
        path = BASE + options["path"]
        response = requests.request(
            method,
            options["server"].rstrip("/") + path,
            data=body or None,
            headers=signed_headers(secret, options, method, path, body),
            timeout=30,
        )
        self.stdout.write(f"HTTP {response.status_code}")
        try:
            self.stdout.write(json.dumps(response.json(), indent=2))
        except ValueError:
            self.stdout.write(response.text)


def signed_headers(
    secret: str, options: dict[str, Any], method: str, path: str, body: bytes
) -> dict[str, str]:
    date = timezone.now().isoformat()
    digest = auth.content_hash(body)
    correlation = str(uuid.uuid4()) if method != "GET" else ""
    headers = {
        "X-Client-Id": options["client_id"],
        "X-Date": date,
        "X-Content-Hash": digest,
        "X-Signature": auth.sign(secret, auth.canonical(method, path, date, digest, correlation)),
    }
    if body:
        headers["Content-Type"] = "application/json"
    if correlation:
        headers["X-CorrelationID"] = correlation
    if options["callback_url"]:
        headers["X-Callback-URL"] = options["callback_url"]
    return headers
