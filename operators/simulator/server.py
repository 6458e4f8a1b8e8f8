"""One process, both operators: start it, drive its faults, read its books, stop it.

`start_simulator()` serves Daraja under /mpesa and MoMo under /momo from a thread and
returns a `RunningSimulator`; the management command and the pytest fixture both use it.
Besides the operators' APIs it serves, without authentication (it is a test double):

    GET    /health        {"status": "ok"}
    GET    /_state        the books, every transaction, the callback log, the active faults
    POST   /_faults       add fault rules (one object, a list, or {"rules": [...]})
    DELETE /_faults       drop every rule and phantom statement line
    POST   /_customers    {"operator", "phone", "balance", "name"}: set a balance (minor
                          units); without "phone", the business account's
"""

from __future__ import annotations

import datetime
import json
import secrets
import threading
import time
import uuid
from functools import partial
from pathlib import Path
from typing import Any

from operators.simulator import daraja, momo
from operators.simulator.config import OPERATORS, SimulatorConfig
from operators.simulator.daraja.common import receipt
from operators.simulator.engine import Engine
from operators.simulator.faults import FaultError
from operators.simulator.ledger import COLLECTION, FAILED, PAYOUT, REVERSAL, SUCCESSFUL
from operators.simulator.web import Request, Response, Router, SimulatorServer, json_response


class RunningSimulator:
    """A simulator serving from a thread. Amounts are minor units throughout."""

    def __init__(self, engine: Engine, server: SimulatorServer) -> None:
        self.engine = engine
        self.config = engine.config
        self._server = server
        host, port = server.server_address[:2]
        self.url = f"http://{host!s}:{port}"
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def state(self) -> dict[str, Any]:
        return self.engine.state()

    def inject(self, fault: str, **params: Any) -> dict[str, Any]:
        """Add one fault, as POST /_faults does: inject("lose_callback", operator="momo")."""
        return add_fault(self.engine, {"fault": fault, **params})

    def clear_faults(self) -> None:
        clear_faults(self.engine)

    def set_balance(
        self, operator: str, phone: str | None = None, *, balance: int, name: str | None = None
    ) -> None:
        self.engine.ledger.set_balance(operator, phone, balance, name)
        self.engine.save()

    def wait_until_idle(self, timeout: float = 5.0) -> bool:
        """Wait until every request has its outcome and every callback has gone out."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.engine.scheduler.idle() and not self.engine.ledger.pending():
                return True
            time.sleep(0.02)
        return False

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self.engine.stop()
        self.engine.save()

    def __enter__(self) -> RunningSimulator:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def start_simulator(
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    state_file: str | Path | None = None,
    verbose: bool = False,
    **settings: Any,
) -> RunningSimulator:
    """Serve both operators on host:port (0: a free port); `settings` are SimulatorConfig
    fields, e.g. complete_after=1.0 or customer_balance=0."""
    config = SimulatorConfig(
        host=host, port=port, state_file=Path(state_file) if state_file else None, **settings
    )
    engine = Engine(config)
    router = Router()
    daraja.register(router, engine)
    momo.register(router, engine)
    register_admin(router, engine)
    server = SimulatorServer((host, port), router, verbose=verbose)
    engine.resume()
    return RunningSimulator(engine, server)


def register_admin(router: Router, engine: Engine) -> None:
    router.add("GET", "/health", lambda request: json_response(200, {"status": "ok"}))
    router.add("GET", "/_state", lambda request: json_response(200, engine.state()))
    router.add("POST", "/_faults", partial(_post_faults, engine))
    router.add("DELETE", "/_faults", partial(_delete_faults, engine))
    router.add("POST", "/_customers", partial(_post_customers, engine))


def add_fault(engine: Engine, data: dict[str, Any]) -> dict[str, Any]:
    """A rule (returned with its id), or for phantom_in_statement the line it added."""
    if data.get("fault") == "phantom_in_statement":
        return {"phantom": _add_phantom(engine, data)}
    rule = engine.faults.add(data)
    return {"rule": next(r for r in engine.faults.rules() if r["id"] == rule.id)}


def clear_faults(engine: Engine) -> None:
    engine.faults.clear()
    with engine.ledger.lock:
        engine.ledger.phantoms.clear()
    engine.save()


def _post_faults(engine: Engine, request: Request) -> Response:
    try:
        data = json.loads(request.body or b"null")
    except ValueError:
        return json_response(400, {"error": "the body must be JSON"})
    rules = data.get("rules", [data]) if isinstance(data, dict) else data
    if not isinstance(rules, list):
        return json_response(400, {"error": "send a rule, a list of rules or {'rules': [...]}"})
    try:
        added = [add_fault(engine, rule if isinstance(rule, dict) else {}) for rule in rules]
    except FaultError as error:
        return json_response(400, {"error": str(error)})
    return json_response(201, {"added": added})


def _delete_faults(engine: Engine, request: Request) -> Response:
    clear_faults(engine)
    return Response(204)


def _post_customers(engine: Engine, request: Request) -> Response:
    data = request.json_object() or {}
    operator, balance, phone = data.get("operator"), data.get("balance"), data.get("phone")
    if operator not in OPERATORS:
        return json_response(400, {"error": 'operator must be "mpesa" or "momo"'})
    if not isinstance(balance, int) or isinstance(balance, bool) or balance < 0:
        return json_response(400, {"error": "balance must be a non-negative integer (minor units)"})
    phone = str(phone).lstrip("+") if phone is not None else None
    engine.ledger.set_balance(operator, phone, balance, data.get("name"))
    engine.save()
    books = engine.state()["operators"][operator]
    account = books["customers"][phone] if phone else {"balance": books["business"]}
    return json_response(200, {"operator": operator, "phone": phone, **account})


def _add_phantom(engine: Engine, data: dict[str, Any]) -> dict[str, Any]:
    """A statement line for a transaction nobody asked for and no callback reported."""
    operator, amount = data.get("operator"), data.get("amount")
    if operator not in OPERATORS:
        raise FaultError('phantom_in_statement needs operator "mpesa" or "momo"')
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise FaultError("phantom_in_statement needs amount, a positive integer of minor units")
    kind, status = data.get("kind", COLLECTION), data.get("status", SUCCESSFUL)
    if kind not in (COLLECTION, PAYOUT, REVERSAL) or status not in (SUCCESSFUL, FAILED):
        raise FaultError("kind must be collection, payout or reversal; status SUCCESSFUL or FAILED")
    completed_at = engine.config.now()
    if data.get("date"):
        try:
            day = datetime.date.fromisoformat(str(data["date"]))
        except ValueError as error:
            raise FaultError("date must be YYYY-MM-DD") from error
        completed_at = datetime.datetime.combine(day, datetime.time(12), engine.config.timezone)
    line = {
        "operator": operator,
        "transaction_id": str(data.get("transaction_id") or _operator_id(operator)),
        "reference": str(data.get("reference") or uuid.uuid4()),
        "kind": kind,
        "amount": amount,
        "currency": engine.config.currency(operator),
        "phone": str(data.get("phone", "254700000000")).lstrip("+"),
        "status": status,
        "completed_at": completed_at.isoformat(timespec="seconds"),
    }
    with engine.ledger.lock:
        engine.ledger.phantoms.append(line)
    engine.save()
    return line


def _operator_id(operator: str) -> str:
    return receipt() if operator == "mpesa" else str(10**9 + secrets.randbelow(9 * 10**9))
