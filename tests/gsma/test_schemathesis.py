"""Schemathesis against the partner API's OpenAPI document: no 500s, no schema violations.

The document is the one `/gsma/v1.2/mm/openapi.json` serves (the last test checks they are
equal), built with drf-spectacular at import, because schemathesis parametrizes one pytest
test per operation at collection, before any database exists. (Its lazy loader,
`schemathesis.pytest.from_fixture`, would fetch the document at run time instead, but it
fails under pytest 9.2: it writes `Node._nodeid`, which pytest renamed.)

Every generated request goes to Django in-process, through WSGI, in the test's own thread
(`case.call(app=...)`). So the plain `db` fixture is enough: the requests run on the test's
connection inside its transaction, see the seeded rows and leave nothing behind;
`transaction=True` would only be needed if another connection (a thread, a worker) had to
see commits. Durable service blocks still run, as pytest-django's transaction is Django's
TestCase one. As Django's test client does, `close_old_connections` is unhooked from the
request signals meanwhile, or the first request would close the test's connection.

Each request is signed with a real partner credential by `SigningApp`, a WSGI layer in
front of Django doing what a partner's HTTP client does (see gsma.auth): it hashes the body
and signs the path with query exactly as Django will read them, and sends X-Client-Id,
X-Date, X-Content-Hash and X-Signature, with a fresh X-CorrelationID in place of any
well-formed one (a malformed or missing one is kept, so its 400 is exercised). So the run
reaches the handlers, not the 401 path; the credential has every scope and a rate limit
the run cannot reach.

Random text almost never names a real customer, transaction, mandate or batch, so a hook
(`flatmap_case`) turns two thirds of the positive cases into requests about seeded rows
(`Seed`): some succeed (200/201/202/204), the rest reach the business rules. Negative
cases stay as generated, for the validation paths.

The run is bounded and reproducible: `derandomize=True` (the examples depend only on the
document), no deadline, Hypothesis' `max_examples=MAX_EXAMPLES` per operation (about 90
requests an operation in all, most of them negative cases of the POSTs; ~1,800 in the run).
"""

from __future__ import annotations

import datetime
import io
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIRequest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from drf_spectacular.settings import patched_settings
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode, HookContext
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from config.wsgi import application
from gsma import auth, batches
from gsma.urls import SCHEMA_SETTINGS
from merchants import services
from merchants.models import PartnerCredential
from tests.gsma.conftest import BASE, SignedClient

MAX_EXAMPLES = 25
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
ALICE, BOB, NOBODY = "+254712000001", "+254712000002", "+254799999999"
TILL = "700700"


class SigningApp:
    """WSGI: sign each request with `credential` as a partner would, then call Django."""

    def __init__(self, credential: PartnerCredential, secret: str) -> None:
        self.credential, self.secret = credential, secret

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        correlation = environ.get("HTTP_X_CORRELATIONID")
        if correlation is not None and is_uuid(correlation):
            environ["HTTP_X_CORRELATIONID"] = correlation = str(uuid.uuid4())
        full_path = WSGIRequest({**environ, "wsgi.input": io.BytesIO(body)}).get_full_path()
        date, digest = timezone.now().isoformat(), auth.content_hash(body)
        text = auth.canonical(environ["REQUEST_METHOD"], full_path, date, digest, correlation or "")
        environ.update(
            HTTP_X_CLIENT_ID=self.credential.client_id,
            HTTP_X_DATE=date,
            HTTP_X_CONTENT_HASH=digest,
            HTTP_X_SIGNATURE=auth.sign(self.secret, text),
        )
        return application(environ, start_response)


def is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text.strip())
    except ValueError:
        return False
    return True


@dataclass
class Seed:
    """Seeded rows, as the values of path parameters, by name."""

    mandate: str  # Alice's: her consent to balance and statement reads
    spare_mandate: str  # Bob's: the one cancels may hit
    path: dict[str, list[str]] = field(default_factory=dict)

    def add(self, name: str, value: Any) -> None:
        self.path.setdefault(name, []).append(str(value))

    def path_options(self, method: str, path: str, names: set[str]) -> list[dict[str, str]]:
        if path.endswith("/debitmandates/{reference}"):
            spare = {"phone": BOB, "reference": self.spare_mandate}
            return [spare] if method == "PATCH" else [{"phone": ALICE, "reference": self.mandate}]
        if len(names) != 1:
            return []
        (name,) = names
        return [{name: value} for value in self.path.get(name, [])]


@dataclass
class Current:
    """The running test's seed: the hook is the schema's, module-wide; the rows are per test."""

    seed: Seed | None = None

    def get(self) -> Seed:
        if self.seed is None:
            raise RuntimeError("The hook runs only inside the test, with the signing_app fixture.")
        return self.seed


CURRENT = Current()


def pay(amount: str = "10.00", **extra: Any) -> dict[str, Any]:
    return {"amount": amount, "currency": "KES", **extra}


def msisdn(phone: str) -> dict[str, str]:
    return {"key": "msisdn", "value": phone}


def approved_mandate(merchant: Any, wallet: Any) -> str:
    return services.create_mandate(
        customer=wallet.customer,
        merchant=merchant,
        max_per_payment=1_000_000,
        max_daily=100_000_000,
        ends_on=timezone.localdate() + datetime.timedelta(days=30),
        idempotency_key=str(uuid.uuid4()),
        channel="ussd",
        approved=True,
    ).reference


@pytest.fixture
def seed(partner, api: SignedClient, alice, bob, fund) -> Seed:
    """A funded partner with a till, Alice with an active mandate, and one of each object."""
    fund(alice, 5_000_000)
    seed = Seed(approved_mandate(partner, alice), approved_mandate(partner, bob))
    seed.path["phone"] = [ALICE, BOB]
    debit = {"key": "mandatereference", "value": seed.mandate}
    paid = api.post("/transactions/type/merchantpay", pay(debitParty=[debit]))
    asked = api.post("/transactions/type/merchantpay", pay(debitParty=[msisdn(ALICE)]))
    correlation = str(uuid.uuid4())
    sent = api.post(
        "/transactions/type/disbursement", pay(creditParty=[msisdn(BOB)]), correlation=correlation
    )
    lines = [pay(type="disbursement", creditParty=[msisdn(BOB)]), pay(amount="x")]
    batch = api.post("/batchtransactions", {"transactions": lines})
    for response in (paid, asked, sent, batch):
        assert response.status_code in (201, 202), response.content
    batches.process(batch.json()["objectReference"])  # its task runs on commit: never, here
    seed.add("reference", paid.json()["transactionReference"])
    seed.add("reference", sent.json()["transactionReference"])
    seed.add("server_correlation_id", asked.json()["serverCorrelationId"])
    seed.add("server_correlation_id", batch.json()["serverCorrelationId"])
    seed.add("client_correlation_id", correlation)
    seed.add("batch_id", batch.json()["objectReference"])
    return seed


def useful_bodies(seed: Seed, path: str) -> st.SearchStrategy | None:
    """Well-formed bodies naming seeded rows (amounts include one over every limit)."""
    amounts = st.sampled_from(["1", "2.50", "10.00", "99999999.00"])
    till = [{"key": "till", "value": TILL}]
    phones = st.sampled_from([[msisdn(ALICE)], [msisdn(BOB)], [msisdn(NOBODY)]])
    if path == "/transactions/type/merchantpay":
        mandate = [{"key": "mandatereference", "value": seed.mandate}]
        debit = st.one_of(st.just(mandate), phones)
        return st.builds(lambda a, d: pay(a, debitParty=d, creditParty=till), amounts, debit)
    if path in ("/transactions/type/disbursement", "/transactions/type/transfer"):
        return st.builds(lambda a, c: pay(a, creditParty=c), amounts, phones)
    if path == "/transactions/{reference}/reversals":
        return st.just({"type": "reversal"})
    if path == "/accounts/msisdn/{phone}/debitmandates":
        today = timezone.localdate().isoformat()
        return st.builds(
            lambda a: {"startDate": today, "amountLimit": a, "currency": "KES"}, amounts
        )
    if path == "/accounts/msisdn/{phone}/debitmandates/{reference}":
        return st.just([{"op": "replace", "path": "/mandateStatus", "value": "inactive"}])
    if path == "/batchtransactions":
        line = st.builds(lambda a, c: pay(a, creditParty=c), amounts, phones)
        return st.builds(lambda items: {"transactions": items}, st.lists(line, min_size=1))
    if path == "/quotations":
        return st.builds(
            lambda a, d: {
                "requestAmount": a,
                "requestCurrency": "KES",
                "debitParty": d,
                "creditParty": till,
            },
            amounts,
            phones,
        )
    return None


def about_seeded_rows(case: schemathesis.Case) -> st.SearchStrategy:
    seed, operation = CURRENT.get(), case.operation
    names = set(case.path_parameters or {})
    options = seed.path_options(operation.method.upper(), operation.path, names)
    paths = st.sampled_from(options) if options else st.just(case.path_parameters)
    bodies = useful_bodies(seed, operation.path)
    if bodies is None:
        bodies = st.just(case.body)

    def seeded(path_parameters: Any, body: Any) -> schemathesis.Case:
        case.path_parameters, case.body = path_parameters, body
        return case

    return st.builds(seeded, paths, bodies)


@pytest.fixture
def keep_connection() -> Iterator[None]:
    """As Django's test client does: a request must not close the test's connection."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def signing_app(seed: Seed, make_client, keep_connection) -> Iterator[SigningApp]:
    client = make_client(requests_per_minute=1_000_000)
    CURRENT.seed = seed
    yield SigningApp(client.credential, client.secret)
    CURRENT.seed = None


def partner_api_document() -> dict[str, Any]:
    """The document /openapi.json serves, built without a request."""
    with patched_settings(SCHEMA_SETTINGS):
        document = SchemaGenerator(urlconf="gsma.urls").get_schema(request=None, public=True)
        return json.loads(OpenApiJsonRenderer().render(document))


schema = schemathesis.openapi.from_dict(partner_api_document())


@schema.hook
def flatmap_case(context: HookContext, case: schemathesis.Case) -> st.SearchStrategy:
    if case.meta is None or case.meta.generation.mode != GenerationMode.POSITIVE:
        return st.just(case)
    return st.integers(0, 2).flatmap(lambda n: st.just(case) if n == 0 else about_seeded_rows(case))


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_the_partner_api_answers_as_its_openapi_document_says(
    case: schemathesis.Case, signing_app: SigningApp
) -> None:
    case.call_and_validate(checks=CHECKS, app=signing_app)


def test_the_document_under_test_is_the_one_served(client) -> None:
    served = client.get(f"{BASE}/openapi.json")
    assert served["Content-Type"].startswith("application/vnd.oai.openapi+json")
    assert served.json() == partner_api_document()
