"""What every adapter shares: the factory, failure semantics, secrecy, and the statement format."""

from __future__ import annotations

import base64
import datetime
import logging
import traceback
import uuid
from collections.abc import Callable
from typing import Any

import pytest
import requests
import responses

from operators.adapters import adapter_for, http
from operators.adapters.base import (
    InvalidCallback,
    InvalidStatement,
    OperatorConfig,
    OperatorError,
    OperatorUnavailable,
    StatementLine,
    Status,
    check_reference,
)
from operators.adapters.daraja import NAIROBI, DarajaAdapter
from operators.adapters.formats import decimal_text, e164, minor_units, msisdn, whole_units
from operators.adapters.momo import MomoAdapter
from operators.adapters.statement import parse_statement, write_statement

REF = "5d41402a-bc4b-4a76-b971-9d911017c592"
PHONE = "+254712345678"
DARAJA_SECRETS = {
    "consumer_key": "ck-LEAKCHECK-consumer-key-9f8e7d",
    "consumer_secret": "cs-LEAKCHECK-consumer-secret-6c5b4a",
    "passkey": "pk-LEAKCHECK-passkey-bfb279f9aa9bdbcf158e97dd71a467cd",
    "initiator_name": "initiator-LEAKCHECK-01",
    "security_credential": "SC-LEAKCHECK-Q2hhbmdlTWUtRW5jcnlwdGVkLVBhc3N3b3Jk==",
}
MOMO_SECRETS = {
    "subscription_key_collection": "col-LEAKCHECK-subscription-1a2b3c",
    "subscription_key_disbursement": "dis-LEAKCHECK-subscription-4d5e6f",
    "api_user": "c72025f5-5cd1-4630-99e4-8ba4722fad56",
    "api_key": "apikey-LEAKCHECK-0f9e8d7c6b5a4f3e2d1c",
    "target_environment": "sandbox",
}
DARAJA = OperatorConfig(
    code="mpesa",
    kind="daraja",
    base_url="https://daraja.test",
    currency="KES",
    shortcode="600000",
    callback_base_url="https://api.example.com/operators/mpesa/t",
    credentials=DARAJA_SECRETS,
)
MOMO = OperatorConfig(
    code="momo",
    kind="momo",
    base_url="https://momo.test",
    currency="KES",
    callback_base_url="https://api.example.com/operators/momo/t",
    credentials=MOMO_SECRETS,
)
DARAJA_TOKEN = "daraja-LEAKCHECK-token-AAAAAAAA"
MOMO_TOKEN = "momo-LEAKCHECK-token-eyJ0eXAiOiJKV1Qi"
NOW = datetime.datetime(2025, 1, 31, 10, 21, 15, tzinfo=NAIROBI)
STK_PASSWORD = base64.b64encode(
    f"600000{DARAJA_SECRETS['passkey']}20250131102115".encode()
).decode()
DARAJA_SECRETS_SENT = [  # what the Daraja adapter sends, and so what Daraja could echo
    *DARAJA_SECRETS.values(),
    DARAJA_TOKEN,
    STK_PASSWORD,
    base64.b64encode(
        f"{DARAJA_SECRETS['consumer_key']}:{DARAJA_SECRETS['consumer_secret']}".encode()
    ).decode(),
]
MOMO_SECRETS_SENT = [
    *(value for name, value in MOMO_SECRETS.items() if name != "target_environment"),
    MOMO_TOKEN,
    base64.b64encode(f"{MOMO_SECRETS['api_user']}:{MOMO_SECRETS['api_key']}".encode()).decode(),
]
SECRETS = DARAJA_SECRETS_SENT + MOMO_SECRETS_SENT
HEADER = "transaction_id,reference,kind,amount,currency,phone,status,completed_at"


@pytest.fixture(autouse=True)
def _fresh_tokens():
    http.tokens.clear()
    yield
    http.tokens.clear()


@pytest.fixture
def api():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.get(
            f"{DARAJA.base_url}/oauth/v1/generate",
            json={"access_token": DARAJA_TOKEN, "expires_in": "3599"},
        )
        for product in ("collection", "disbursement"):
            mock.post(
                f"{MOMO.base_url}/{product}/token/",
                json={"access_token": MOMO_TOKEN, "token_type": "access_token", "expires_in": 3600},
            )
        yield mock


def daraja() -> DarajaAdapter:
    return DarajaAdapter(DARAJA, clock=lambda: NOW)


def momo() -> MomoAdapter:
    return MomoAdapter(MOMO)


# Every call that reaches an operator: (name, adapter, HTTP method, URL, the call).
CALLS: list[tuple[str, Callable[[], Any], str, str, Callable[[Any], Any]]] = [
    (
        "daraja collect",
        daraja,
        "POST",
        "https://daraja.test/mpesa/stkpush/v1/processrequest",
        lambda a: a.collect(reference=REF, phone=PHONE, amount=10_000, description="x"),
    ),
    (
        "daraja pay_out",
        daraja,
        "POST",
        "https://daraja.test/mpesa/b2c/v3/paymentrequest",
        lambda a: a.pay_out(reference=REF, phone=PHONE, amount=10_000, description="x"),
    ),
    (
        "daraja STK query",
        daraja,
        "POST",
        "https://daraja.test/mpesa/stkpushquery/v1/query",
        lambda a: a.status(reference=REF, kind="collection", operator_reference="ws_CO_1"),
    ),
    (
        "daraja transaction status",
        daraja,
        "POST",
        "https://daraja.test/mpesa/transactionstatus/v1/query",
        lambda a: a.status(reference=REF, kind="payout", operator_reference="AG_1"),
    ),
    (
        "daraja balance",
        daraja,
        "POST",
        "https://daraja.test/mpesa/accountbalance/v1/query",
        lambda a: a.balance(),
    ),
    (
        "daraja reverse",
        daraja,
        "POST",
        "https://daraja.test/mpesa/reversal/v1/request",
        lambda a: a.reverse(reference=REF, operator_reference="NLJ41HAY6Q", amount=10_000),
    ),
    (
        "daraja statement",
        daraja,
        "GET",
        "https://daraja.test/statements/2025-01-31",
        lambda a: a.statement(datetime.date(2025, 1, 31)),
    ),
    (
        "momo collect",
        momo,
        "POST",
        "https://momo.test/collection/v1_0/requesttopay",
        lambda a: a.collect(reference=REF, phone=PHONE, amount=10_000, description="x"),
    ),
    (
        "momo pay_out",
        momo,
        "POST",
        "https://momo.test/disbursement/v1_0/transfer",
        lambda a: a.pay_out(reference=REF, phone=PHONE, amount=10_000, description="x"),
    ),
    (
        "momo collection status",
        momo,
        "GET",
        f"https://momo.test/collection/v1_0/requesttopay/{REF}",
        lambda a: a.status(reference=REF, kind="collection"),
    ),
    (
        "momo payout status",
        momo,
        "GET",
        f"https://momo.test/disbursement/v1_0/transfer/{REF}",
        lambda a: a.status(reference=REF, kind="payout"),
    ),
    (
        "momo balance",
        momo,
        "GET",
        "https://momo.test/collection/v1_0/account/balance",
        lambda a: a.balance(),
    ),
    (
        "momo statement",
        momo,
        "GET",
        "https://momo.test/statements/2025-01-31",
        lambda a: a.statement(datetime.date(2025, 1, 31)),
    ),
]
FAILURES: list[tuple[str, dict[str, Any], bool]] = [
    ("read timeout", {"body": requests.ReadTimeout("read timed out")}, True),
    ("connect timeout", {"body": requests.ConnectTimeout("connect timed out")}, False),
    ("connection reset", {"body": requests.ConnectionError("reset by peer")}, True),
    ("HTTP 500", {"status": 500, "json": {"errorCode": "500.003.02", "code": "X"}}, True),
    ("HTTP 502 HTML", {"status": 502, "body": "<html>Bad gateway</html>"}, True),
    ("HTTP 503", {"status": 503}, True),
    ("HTTP 429", {"status": 429, "json": {"errorMessage": "Spike arrest"}}, False),
]


@pytest.mark.parametrize(
    ("name", "make", "method", "url", "call"), CALLS, ids=[c[0] for c in CALLS]
)
@pytest.mark.parametrize(("failure", "stub", "sent"), FAILURES, ids=[f[0] for f in FAILURES])
def test_transport_failures_are_unavailable_and_never_a_failed_outcome(
    api, name, make, method, url, call, failure, stub, sent
):
    api.add(method, url, **stub)
    with pytest.raises(OperatorUnavailable) as caught:
        call(make())
    assert caught.value.sent is sent
    assert name.split()[0] in str(caught.value) or "mpesa" in str(caught.value)


def test_the_factory_builds_the_adapter_of_the_configs_kind():
    assert isinstance(adapter_for(DARAJA), DarajaAdapter)
    assert isinstance(adapter_for(MOMO), MomoAdapter)
    with pytest.raises(ValueError, match="airtel"):
        adapter_for(OperatorConfig(code="airtel", kind="airtel", base_url="x", currency="KES"))


def test_a_config_never_shows_its_credentials():
    for config in (DARAJA, MOMO):
        assert all(secret not in repr(config) for secret in SECRETS)
        assert "credentials" not in repr(config)


def test_references_must_be_uuid4_and_are_made_canonical():
    assert check_reference(REF.upper()) == REF
    assert check_reference(uuid.UUID(REF).hex) == REF
    for bad in ("", "ref-1", str(uuid.uuid1()), "5d41402a-bc4b-4a76-b971"):
        with pytest.raises(ValueError, match="UUID"):
            check_reference(bad)


# --- secrecy ---


def _texts_of(error: BaseException) -> list[str]:
    return [str(error), repr(error), "".join(traceback.format_exception(error))]


def test_no_secret_reaches_an_exception_an_outcome_or_a_log_line(api, caplog):
    caplog.set_level(logging.DEBUG)
    # Operators that echo every credential they were sent (and tokens, passwords) back at us.
    echo = " ".join(DARAJA_SECRETS_SENT)
    momo_echo = " ".join(MOMO_SECRETS_SENT)
    texts: list[str] = []
    api.post(
        "https://daraja.test/mpesa/stkpush/v1/processrequest",
        status=400,
        json={"errorCode": "400.002.02", "errorMessage": f"Bad Request - {echo}"},
    )
    texts.append(daraja().collect(reference=REF, phone=PHONE, amount=100, description="").detail)
    api.post(
        "https://daraja.test/mpesa/b2c/v3/paymentrequest",
        status=401,
        json={"errorCode": "404.001.03", "errorMessage": f"Invalid Access Token {echo}"},
    )
    api.post(
        "https://daraja.test/mpesa/stkpushquery/v1/query",
        status=500,
        json={"errorCode": "500.003.02", "errorMessage": echo},
    )
    api.post(
        "https://momo.test/collection/v1_0/requesttopay",
        status=400,
        json={"code": "X", "message": momo_echo},
    )
    texts.append(momo().collect(reference=REF, phone=PHONE, amount=100, description="").detail)
    api.get(
        f"https://momo.test/disbursement/v1_0/transfer/{REF}",
        json={"status": "FAILED", "reason": {"code": "NOT_ALLOWED", "message": momo_echo}},
    )
    texts.append(momo().status(reference=REF, kind="payout").detail)
    api.get(
        "https://momo.test/collection/v1_0/account/balance",
        status=503,
        json={"code": "SERVICE_UNAVAILABLE", "message": momo_echo},
    )
    failing: list[Callable[[], Any]] = [
        lambda: daraja().pay_out(reference=REF, phone=PHONE, amount=100, description=""),
        lambda: daraja().status(reference=REF, kind="collection", operator_reference="ws_CO_1"),
        lambda: momo().balance(),
        lambda: daraja().parse_callback(
            kind="collection",
            body=b'{"Body": {"stkCallback": {"CheckoutRequestID": "ws", "ResultCode": 0, '
            b'"CallbackMetadata": {"Item": [{"Name": "Amount", "Value": "'
            + DARAJA_SECRETS["security_credential"].encode()
            + b'"}]}}}}',
            headers={},
            reference=REF,
        ),
        lambda: momo().parse_callback(
            kind="payout",
            body=b'{"status": "FAILED", "amount": "' + MOMO_SECRETS["api_key"].encode() + b'"}',
            headers={},
            reference=REF,
        ),
    ]
    for call in failing:
        with pytest.raises(OperatorError) as caught:
            call()
        texts.extend(_texts_of(caught.value))
    texts.append(caplog.text)
    texts.extend(record.getMessage() for record in caplog.records)
    assert caplog.records, "the adapters log their requests"
    for text in texts:
        leaked = [secret for secret in SECRETS if secret in text]
        assert not leaked, f"{leaked} in {text!r}"


def test_a_refused_token_request_leaks_nothing(api, caplog):
    caplog.set_level(logging.DEBUG)
    api.replace(
        responses.GET,
        f"{DARAJA.base_url}/oauth/v1/generate",
        status=400,
        json={"errorMessage": " ".join(DARAJA_SECRETS_SENT)},
    )
    with pytest.raises(OperatorError) as caught:
        daraja().balance()
    for text in [*_texts_of(caught.value), caplog.text]:
        assert not [secret for secret in SECRETS if secret in text]


# --- the statement format ---


def test_a_statement_round_trips():
    lines = [
        StatementLine(
            operator_reference="NLJ41HAY6Q",
            reference=REF,
            kind="payout",
            amount=50_000,
            currency="KES",
            phone=PHONE,
            status=Status.SUCCEEDED,
            completed_at=datetime.datetime(2025, 1, 31, 10, 21, 15, tzinfo=NAIROBI),
        ),
        StatementLine(
            operator_reference="1718390463",
            reference="",
            kind="collection",
            amount=1,
            currency="UGX",
            phone="",
            status=Status.FAILED,
            completed_at=datetime.datetime(2025, 1, 31, 23, 59, 59, tzinfo=datetime.UTC),
        ),
    ]
    text = write_statement(lines)
    assert text.splitlines()[0] == HEADER
    assert parse_statement(text) == lines
    assert parse_statement("\ufeff" + text + "\n") == lines  # a BOM and a trailing blank line


def test_a_statement_phone_without_the_plus_is_read_as_e164():
    [line] = parse_statement(f"{HEADER}\n{GOOD.replace(PHONE, PHONE[1:])}\n")
    assert line.phone == PHONE


def test_an_empty_statement_has_no_lines():
    assert parse_statement(HEADER + "\n") == []


GOOD = f"NLJ41HAY6Q,{REF},payout,50000,KES,{PHONE},SUCCESSFUL,2025-01-31T10:21:15+03:00"


@pytest.mark.parametrize(
    ("bad", "problem"),
    [
        (GOOD.replace(",payout,", ",PAYOUT,"), "kind"),
        (GOOD.replace(",50000,", ",500.00,"), "amount"),
        (GOOD.replace(",50000,", ",-5,"), "amount"),
        (GOOD.replace(",50000,", ",,"), "amount"),
        (GOOD.replace(",KES,", ",Kes,"), "currency"),
        (GOOD.replace(PHONE, "0712345678"), "phone"),
        (GOOD.replace("SUCCESSFUL", "PENDING"), "status"),
        (GOOD.replace("+03:00", ""), "offset"),
        (GOOD.replace("2025-01-31T10:21:15+03:00", "31/01/2025"), "ISO 8601"),
        (GOOD.replace("NLJ41HAY6Q", ""), "transaction_id"),
        (GOOD + ",extra", "columns"),
        (GOOD.rsplit(",", 1)[0], "columns"),
        ('NLJ41HAY6Q,"unterminated', "line 3"),
    ],
)
def test_a_malformed_statement_line_is_refused_with_its_line_number(bad, problem):
    with pytest.raises(InvalidStatement, match="line 3") as caught:
        parse_statement(f"{HEADER}\n{GOOD}\n{bad}\n{GOOD}\n")
    assert problem in str(caught.value)


@pytest.mark.parametrize("header", ["", "id,reference,kind", HEADER.replace("amount", "cents")])
def test_a_statement_without_our_header_is_refused(header):
    with pytest.raises(InvalidStatement, match="line 1"):
        parse_statement(f"{header}\n{GOOD}\n")


def test_statement_fetch_problems(api):
    url = "https://daraja.test/statements/2025-01-31"
    api.get(url, status=404)
    with pytest.raises(OperatorUnavailable) as caught:
        daraja().statement(datetime.date(2025, 1, 31))
    assert caught.value.sent is False
    api.replace(responses.GET, url, body=f"{HEADER}\n{GOOD.replace('KES', 'shillings')}\n")
    with pytest.raises(InvalidStatement, match="line 2"):
        daraja().statement(datetime.date(2025, 1, 31))
    api.replace(responses.GET, url, body=b"\xff\xfe\x00")
    with pytest.raises(InvalidStatement, match="UTF-8"):
        daraja().statement(datetime.date(2025, 1, 31))
    api.replace(responses.GET, url, status=403)
    with pytest.raises(OperatorError, match="refused"):
        daraja().statement(datetime.date(2025, 1, 31))


# --- wire formats ---


def test_phones_convert_between_e164_and_msisdn():
    assert msisdn("+254712345678") == "254712345678"
    assert e164("254712345678") == e164(254712345678) == e164("+254712345678") == "+254712345678"
    for bad in ("0712345678", "254712345678", "+0712", "+2547abc45678", ""):
        with pytest.raises(ValueError, match=r"E\.164"):
            msisdn(bad)
    for bad_value in ("07-12", True, None, 2.5, ""):
        with pytest.raises(ValueError, match="not a phone number"):
            e164(bad_value)


@pytest.mark.parametrize(
    ("value", "currency", "minor"),
    [
        (1, "KES", 100),
        ("1.00", "KES", 100),
        ("150.5", "KES", 15_050),
        ("-220.00", "KES", -22_000),
        ("1500", "UGX", 1_500),
        ("1500.000", "UGX", 1_500),
        ("0", "KES", 0),
    ],
)
def test_operator_amounts_become_minor_units_exactly(value, currency, minor):
    assert minor_units(value, currency) == minor


@pytest.mark.parametrize("value", ["1.005", "1e3", "", "1,000", True, None, 1.5, ["1"]])
def test_amounts_that_are_not_plain_numbers_are_refused(value):
    with pytest.raises(ValueError, match="Amount"):
        minor_units(value, "KES")


def test_minor_units_become_operator_amounts():
    assert decimal_text(15_050, "KES") == "150.50"
    assert decimal_text(15_000, "KES") == "150"
    assert decimal_text(15_005, "KES") == "150.05"
    assert decimal_text(1_500, "UGX") == "1500"
    assert whole_units(15_000, "KES") == 150
    with pytest.raises(ValueError, match="cents"):
        whole_units(15_050, "KES")


# --- the token cache ---


def test_the_token_cache_forgets_only_the_token_it_was_told_about():
    cache = http.TokenCache(clock=lambda: 0.0)
    fetched = iter([("a-token", 3600.0), ("b-token", 3600.0)])
    assert cache.get("k", lambda: next(fetched)) == "a-token"
    cache.forget("k", "some-older-token")  # another thread already replaced it
    assert cache.get("k", lambda: next(fetched)) == "a-token"
    cache.forget("k", "a-token")
    assert cache.get("k", lambda: next(fetched)) == "b-token"


def test_a_short_lived_token_is_kept_for_half_its_life():
    now = [0.0]
    cache = http.TokenCache(clock=lambda: now[0])
    fetched = iter([("a-token", 60.0), ("b-token", 60.0)])
    cache.get("k", lambda: next(fetched))
    now[0] = 29.0
    assert cache.get("k", lambda: next(fetched)) == "a-token"
    now[0] = 31.0
    assert cache.get("k", lambda: next(fetched)) == "b-token"


def test_a_callback_body_of_the_wrong_kind_is_invalid_for_both_adapters():
    for adapter in (daraja(), momo()):
        with pytest.raises(InvalidCallback):
            adapter.parse_callback(kind="collection", body=b'{"x": 1}', headers={}, reference=REF)
