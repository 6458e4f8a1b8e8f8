"""The standard's behaviours: correlation ids, signatures, scopes, rate limits, errors."""

from __future__ import annotations

import datetime
import uuid

from django.utils import timezone

from audit.models import AuditRecord
from gsma.models import Exchange
from tests.conftest import balance
from tests.gsma.conftest import BASE, assert_error
from wallets.models import Transaction

DISBURSE = "/transactions/type/disbursement"


def body(amount="10.00"):
    return {
        "amount": amount,
        "currency": "KES",
        "creditParty": [{"key": "msisdn", "value": "+254712000001"}],
    }


def test_a_replayed_correlation_id_returns_the_stored_response_and_posts_once(api, partner, alice):
    correlation = str(uuid.uuid4())
    first = api.post(DISBURSE, body(), correlation=correlation)
    again = api.post(DISBURSE, body(), correlation=correlation)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["X-Replayed"] == "true"
    assert balance(alice) == 1_000
    link = api.get(f"/responses/{correlation}").json()
    assert link["link"] == f"/transactions/{first.json()['transactionReference']}"


def test_the_same_correlation_id_with_another_body_is_a_duplicate_request(api, partner, alice):
    correlation = str(uuid.uuid4())
    api.post(DISBURSE, body(), correlation=correlation)
    conflict = api.post(DISBURSE, body("20.00"), correlation=correlation)
    assert_error(conflict, 409, "businessRule", "duplicateRequest")
    assert balance(alice) == 1_000


def test_a_post_without_a_correlation_id_is_refused(api, partner, alice):
    response = api.client.post(BASE + DISBURSE, body(), content_type="application/json")
    assert_error(response, 401, "authorisation")
    assert_error(api.post(DISBURSE, body(), correlation="not-a-uuid"), 400, "validation")


def test_bad_signature_stale_date_and_wrong_scope_post_nothing(make_client, partner, alice):
    api = make_client(["merchantpay"])
    forged = api.post(DISBURSE, body(), headers={"X-Signature": "0" * 64})
    assert_error(forged, 401, "authorisation", "clientAuthorisationError")
    stale = (timezone.now() - datetime.timedelta(minutes=6)).isoformat()
    assert_error(api.post(DISBURSE, body(), date=stale), 401, "authorisation")
    tampered = api.post(DISBURSE, body(), headers={"X-Content-Hash": "ab" * 32})
    assert_error(tampered, 401, "authorisation")
    assert_error(api.post(DISBURSE, body()), 403, "authorisation")
    unknown = api.post(DISBURSE, body(), headers={"X-Client-Id": "nobody"})
    assert_error(unknown, 401, "authorisation")
    assert balance(alice) == 0
    assert not Transaction.objects.filter(kind="disbursement").exists()


def test_the_rate_limit_answers_429_with_retry_after(make_client, partner):
    api = make_client(requests_per_minute=2)
    assert api.get("/transactions/NOSUCHREF1").status_code == 404
    assert api.get("/transactions/NOSUCHREF1").status_code == 404
    limited = api.get("/transactions/NOSUCHREF1")
    assert_error(limited, 429, "businessRule", "rateLimitError")
    assert 0 < int(limited["Retry-After"]) <= 60


def test_unknown_paths_methods_and_media_types_get_the_error_object(api, partner):
    assert_error(api.client.get(BASE + "/nowhere"), 404, "identification")
    assert_error(
        api.client.get(
            BASE + "/transactions/type/merchantpay",
            headers=api.headers("GET", BASE + "/transactions/type/merchantpay", b""),
        ),
        405,
        "validation",
    )
    response = api.client.post(
        BASE + DISBURSE,
        "amount=1",
        content_type="application/x-www-form-urlencoded",
        headers=api.headers("POST", BASE + DISBURSE, b"amount=1", str(uuid.uuid4())),
    )
    assert_error(response, 415, "validation")


def test_the_heartbeat_needs_no_credentials(client, db):
    response = client.get(BASE + "/heartbeat")
    assert response.json() == {"serviceStatus": "available"}


def test_partner_writes_are_audited(api, partner, alice):
    correlation = str(uuid.uuid4())
    api.post(DISBURSE, body(), correlation=correlation)
    record = AuditRecord.objects.get(path__startswith=BASE + DISBURSE)
    assert record.idempotency_key == correlation
    assert record.status_code == 201
    assert record.actor_label.startswith("partnercredential:")
    assert Exchange.objects.get().status_code == 201


def test_the_partner_openapi_document_is_served(client):
    response = client.get(BASE + "/openapi.json", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    document = response.json()
    assert "/transactions/type/merchantpay" in document["paths"]
    assert "gsmaSignature" in document["components"]["securitySchemes"]


def test_a_nul_character_anywhere_in_the_body_is_bad_input_and_posts_nothing(api, partner, alice):
    nul_value = body() | {"requestingOrganisationTransactionReference": "A\u0000B"}
    nul_key = body() | {"custom\u0000": "x"}
    for sent in (nul_value, nul_key):
        response = api.post(DISBURSE, sent)
        assert_error(response, 400, "validation")
    assert not Transaction.objects.filter(kind="disbursement").exists()
    assert balance(alice) == 0
