"""The Safaricom Daraja subset, served under /mpesa.

Daraja's own paths are /oauth/v1/generate and /mpesa/<api>/...; an adapter that appends them
to its base URL works with `<simulator>/mpesa` as that base (giving /mpesa/oauth/... and
/mpesa/mpesa/stkpush/...) and also with the bare `<simulator>`. The shorter
/mpesa/stkpush/... form is accepted too.
"""

from __future__ import annotations

from functools import partial

from operators.simulator import statements
from operators.simulator.daraja import b2b, common, payments, queries
from operators.simulator.daraja.common import OPERATOR
from operators.simulator.engine import Callback, Engine
from operators.simulator.ledger import COLLECTION, PAYOUT, Record
from operators.simulator.web import Request, Response, Router

_API = "(?:/mpesa)?(?:/mpesa)?"


def register(router: Router, engine: Engine) -> None:
    routes = [
        ("GET", "(?:/mpesa)?/oauth/v1/generate", payments.generate_token),
        ("POST", f"{_API}/stkpush/v1/processrequest", payments.stk_push),
        ("POST", f"{_API}/stkpushquery/v1/query", payments.stk_query),
        ("POST", f"{_API}/b2c/v3/paymentrequest", payments.b2c),
        ("POST", f"{_API}/b2b/v1/paymentrequest", b2b.pay_bill),
        ("POST", f"{_API}/transactionstatus/v1/query", queries.transaction_status),
        ("POST", f"{_API}/accountbalance/v1/query", queries.account_balance),
        ("POST", f"{_API}/reversal/v1/request", queries.reversal),
        ("GET", "/mpesa/statements/(?P<day>[^/]+)", statement),
    ]
    for method, pattern, handler in routes:
        router.add(method, pattern, partial(handler, engine))
    engine.builders[OPERATOR] = partial(callback_for, engine)


def statement(engine: Engine, request: Request) -> Response:
    """GET /mpesa/statements/<YYYY-MM-DD> with the Bearer token (see statements.py)."""
    if denied := common.unauthorized(engine, request):
        return denied
    return statements.statement(engine, OPERATOR, request.params["day"])


def callback_for(engine: Engine, record: Record) -> Callback:
    """The STK callback, the B2C or B2B Result or the reversal Result of a completed record."""
    if record.kind == COLLECTION:
        return payments.stk_callback(engine, record)
    if b2b.is_b2b(record):
        return b2b.result(engine, record)
    if record.kind == PAYOUT:
        return payments.b2c_result(engine, record)
    return queries.reversal_result(engine, record)
