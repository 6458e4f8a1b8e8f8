"""A very small HTTP layer: requests, responses, a regex router and a threaded server.

The simulator stands for the outside world, so it uses the standard library only and no
Django: it must run when our database and our settings are broken. One thread serves each
connection (the timeout fault sleeps in one without stalling the others); HTTP/1.1 keep-alive
is honoured because `requests` sessions reuse connections.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

logger = logging.getLogger("operators.simulator")


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: Message
    body: bytes
    params: dict[str, str] = field(default_factory=dict)

    def header(self, name: str) -> str | None:
        value = self.headers.get(name)
        return None if value is None else str(value)

    def json_object(self) -> dict[str, Any] | None:
        """The body as a JSON object, or None when it is not one."""
        try:
            data = json.loads(self.body or b"null")
        except ValueError:
            return None
        return data if isinstance(data, dict) else None


@dataclass
class Response:
    status: int
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


def json_response(status: int, data: object) -> Response:
    return Response(status, json.dumps(data).encode())


def basic_credentials(authorization: str | None) -> tuple[str, str]:
    """The user and password of an HTTP Basic header; empty strings if there is none."""
    if not authorization or not authorization.startswith("Basic "):
        return "", ""
    try:
        decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return "", ""
    user, _, password = decoded.partition(":")
    return user, password


Handler = Callable[[Request], Response]


class Router:
    def __init__(self) -> None:
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []

    def add(self, method: str, pattern: str, handler: Handler) -> None:
        self._routes.append((method, re.compile(f"^{pattern}$"), handler))

    def dispatch(self, request: Request) -> Response:
        allowed = False
        for method, pattern, handler in self._routes:
            match = pattern.match(request.path)
            if match is None:
                continue
            allowed = True
            if method == request.method:
                request.params = {k: v for k, v in match.groupdict().items() if v is not None}
                return handler(request)
        if allowed:
            return json_response(405, {"error": "method not allowed"})
        return json_response(404, {"error": f"no such endpoint: {request.path}"})


class SimulatorServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 128  # the default 5 drops connections when a test fires in parallel

    def __init__(self, address: tuple[str, int], router: Router, *, verbose: bool) -> None:
        super().__init__(address, _RequestHandler)
        self.router = router
        self.verbose = verbose


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: SimulatorServer

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def do_PUT(self) -> None:
        self._handle()

    def do_DELETE(self) -> None:
        self._handle()

    def _handle(self) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        request = Request(
            method=self.command,
            path=url.path,
            query=dict(parse_qsl(url.query)),
            headers=self.headers,
            body=self.rfile.read(length) if length else b"",
        )
        try:
            response = self.server.router.dispatch(request)
        except Exception:  # a bug in the simulator must not look like a network fault
            logger.exception("simulator error on %s %s", self.command, url.path)
            response = json_response(500, {"error": "simulator error (see its log)"})
        try:
            self.send_response(response.status)
            for name, value in response.headers.items():
                self.send_header(name, value)
            if response.body or response.status not in (202, 204):
                self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            self.wfile.write(response.body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the caller gave up (the timeout fault does this on purpose)

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.verbose:
            logger.info("%s %s", self.address_string(), format % args)
