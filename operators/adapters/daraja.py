"""Safaricom M-Pesa Daraja: STK push, B2C, B2B pay-bill, transaction status, balance, reversal.

Every money call returns only an acknowledgement (`ResponseCode` "0" is "accepted", not
"paid"); the result is POSTed later to the URL we give. Our callback URLs are
`{callback_base_url}/{kind}/?ref={reference}`: Daraja echoes nothing of ours in an STK
callback, so the reference travels in the URL and the view passes it to `parse_callback`.

Choices worth knowing:
- Reference: STK `AccountReference` is limited to 12 characters, so it carries the first 12
  hex digits of our UUID (`account_reference`); the full reference is in the CallBackURL.
  B2C v3 takes our reference whole as `OriginatorConversationID` and echoes it in its Result.
  A B2B pay-bill payment (merchant settlement to a bank) is a payout: its Result comes to
  our payout URL and reads like B2C's.
- Amounts: Daraja moves whole shillings; an amount with cents is refused (ValueError) before
  any request is made.
- QueueTimeOutURL is the same URL as ResultURL: a timeout notice is read like a Result.
- `status`: a collection is asked with the STK query (it needs the CheckoutRequestID); a
  payout or reversal with the transaction-status query, which answers asynchronously at our
  "status" callback. So `status` returns UNKNOWN for those unless the answer carries a
  `Result` object (the simulator includes one synchronously), which is read like the callback.
- `balance`: also asynchronous at Daraja. The simulator's synchronous `Result` is read and
  returned; otherwise OperatorUnavailable is raised (the result goes to the balance callback).
- Timestamps (STK Password = base64(shortcode + passkey + timestamp)) are Nairobi time.
"""

from __future__ import annotations

import base64
import datetime
import re
import uuid
from collections.abc import Callable, Mapping
from typing import Any
from zoneinfo import ZoneInfo

import requests

from operators.adapters import daraja_replies as replies
from operators.adapters import daraja_results as results
from operators.adapters.base import (
    CallbackResult,
    InvalidCallback,
    Kind,
    OperatorConfig,
    Outcome,
    Reason,
    StatementLine,
    Status,
    check_reference,
)
from operators.adapters.formats import check_amount, msisdn, text, whole_units
from operators.adapters.http import HttpAdapter, Reply, account_key

NAIROBI = ZoneInfo("Africa/Nairobi")
TOKEN_PATH = "/oauth/v1/generate?grant_type=client_credentials"  # noqa: S105
STK_PATH = "/mpesa/stkpush/v1/processrequest"
STK_QUERY_PATH = "/mpesa/stkpushquery/v1/query"
B2C_PATH = "/mpesa/b2c/v3/paymentrequest"
STATUS_PATH = "/mpesa/transactionstatus/v1/query"
BALANCE_PATH = "/mpesa/accountbalance/v1/query"
REVERSAL_PATH = "/mpesa/reversal/v1/request"
B2B_PATH = "/mpesa/b2b/v1/paymentrequest"
PAYBILL = re.compile(r"[0-9]{5,7}")
ACCOUNT = re.compile(r"[A-Za-z0-9-]{1,13}")  # B2B AccountReference: up to 13 characters
# Daraja's "Invalid Access Token" error code (sent with HTTP 404 or 401).
INVALID_TOKEN = "404.001.03"  # noqa: S105
SHORTCODE_IDENTIFIER = "4"  # IdentifierType of an organisation's shortcode
REVERSAL_RECEIVER_IDENTIFIER = "11"


def account_reference(reference: str) -> str:
    """The 12 characters of our reference that fit STK's AccountReference."""
    return uuid.UUID(reference).hex[:12]


class DarajaAdapter(HttpAdapter):
    def __init__(
        self,
        config: OperatorConfig,
        *,
        session: requests.Session | None = None,
        clock: Callable[[], datetime.datetime] | None = None,
    ) -> None:
        super().__init__(config, session=session)
        self.clock = clock or (lambda: datetime.datetime.now(NAIROBI))
        basic = (
            f"{config.credentials.get('consumer_key')}:{config.credentials.get('consumer_secret')}"
        )
        self.redact.add(base64.b64encode(basic.encode()).decode())

    # --- the interface ---

    def collect(self, *, reference: str, phone: str, amount: int, description: str) -> Outcome:
        reference, party, shillings = self._prepare(reference, phone, amount)
        payload = {
            **self._stk_auth(),
            "TransactionType": "CustomerPayBillOnline",
            "Amount": shillings,
            "PartyA": party,
            "PartyB": self._shortcode(),
            "PhoneNumber": party,
            "CallBackURL": self._callback_url(Kind.COLLECTION, reference),
            "AccountReference": account_reference(reference),
            "TransactionDesc": (description or "Payment")[:13],  # Daraja's limit
        }
        return self._acknowledged(self._post(STK_PATH, payload, reference), "CheckoutRequestID")

    def pay_out(self, *, reference: str, phone: str, amount: int, description: str) -> Outcome:
        reference, party, shillings = self._prepare(reference, phone, amount)
        url = self._callback_url(Kind.PAYOUT, reference)
        payload = {
            "OriginatorConversationID": reference,
            **self._initiator("InitiatorName"),
            "CommandID": "BusinessPayment",
            "Amount": shillings,
            "PartyA": self._shortcode(),
            "PartyB": party,
            "Remarks": (description or "Payout").ljust(2)[:100],
            "QueueTimeOutURL": url,
            "ResultURL": url,
            "Occassion": "",  # sic: B2C's spelling
        }
        return self._acknowledged(self._post(B2C_PATH, payload, reference), "ConversationID")

    def pay_bill(
        self, *, reference: str, paybill: str, account: str, amount: int, description: str
    ) -> Outcome:
        """B2B BusinessPayBill: from our shortcode to `paybill`, for `account` there."""
        reference = check_reference(reference)
        check_amount(amount)
        if not PAYBILL.fullmatch(paybill) or not ACCOUNT.fullmatch(account):
            raise ValueError("A pay-bill is 5 to 7 digits; its account 1 to 13 characters.")
        url = self._callback_url(Kind.PAYOUT, reference)
        payload = {
            **self._initiator("Initiator"),
            "CommandID": "BusinessPayBill",
            "SenderIdentifierType": SHORTCODE_IDENTIFIER,
            "RecieverIdentifierType": SHORTCODE_IDENTIFIER,  # sic: Daraja's spelling
            "Amount": whole_units(amount, self.config.currency),
            "PartyA": self._shortcode(),
            "PartyB": paybill,
            "AccountReference": account,
            "Remarks": (description or "Settlement").ljust(2)[:100],
            "QueueTimeOutURL": url,
            "ResultURL": url,
            # As for reversals: not a documented B2B field, it lets the simulator (and so a
            # statement) carry our reference; the callback URL carries it at Daraja.
            "OriginatorConversationID": reference,
        }
        return self._acknowledged(self._post(B2B_PATH, payload, reference), "ConversationID")

    def status(self, *, reference: str, kind: str, operator_reference: str = "") -> Outcome:
        reference = check_reference(reference)
        if kind == Kind.COLLECTION:
            return self._stk_query(reference, operator_reference)
        if kind in (Kind.PAYOUT, Kind.REVERSAL):
            return self._transaction_status(reference, operator_reference)
        raise ValueError(f"Cannot query the status of a {kind!r}.")

    def balance(self) -> int:
        reference = str(uuid.uuid4())
        url = self._callback_url(Kind.BALANCE, reference)
        payload = {
            **self._initiator("Initiator"),
            "CommandID": "AccountBalance",
            "PartyA": self._shortcode(),
            "IdentifierType": SHORTCODE_IDENTIFIER,
            "Remarks": "Balance",
            "QueueTimeOutURL": url,
            "ResultURL": url,
        }
        reply = self._post(BALANCE_PATH, payload, reference)
        self._raise_if_unavailable(reply, "balance query")
        body = replies.body_of(reply)
        if not reply.ok or text(body.get("ResponseCode")) != "0":
            detail = replies.unknown(reply, "").detail
            raise self.error(f"{self.config.code}: balance query refused: {detail}")
        if not isinstance(body.get("Result"), dict):
            raise self.unavailable(
                f"{self.config.code}: Daraja answers balance queries asynchronously; the "
                f"result will arrive at the balance callback (ref={reference})."
            )
        try:
            outcome = results.balance_result(body["Result"], self.config.currency)
        except (ValueError, KeyError, TypeError) as error:
            raise self.unavailable(f"{self.config.code}: unreadable balance: {error}") from None
        if outcome.status != Status.SUCCEEDED or outcome.amount is None:
            raise self.error(f"{self.config.code}: balance query failed: {outcome.detail}")
        return outcome.amount

    def reverse(self, *, reference: str, operator_reference: str, amount: int) -> Outcome:
        reference = check_reference(reference)
        check_amount(amount)
        shillings = whole_units(amount, self.config.currency)
        if not operator_reference:
            raise ValueError("A Daraja reversal needs the M-Pesa receipt (TransactionID).")
        url = self._callback_url(Kind.REVERSAL, reference)
        payload = {
            **self._initiator("Initiator"),
            "CommandID": "TransactionReversal",
            "TransactionID": operator_reference,
            "Amount": shillings,
            "ReceiverParty": self._shortcode(),
            "RecieverIdentifierType": REVERSAL_RECEIVER_IDENTIFIER,  # sic: Daraja's spelling
            "ResultURL": url,
            "QueueTimeOutURL": url,
            "Remarks": "Reversal",
            "Occasion": "",
            # Not a documented reversal field: it lets the simulator (and so a statement)
            # carry our reference. Daraja ignores fields it does not know.
            "OriginatorConversationID": reference,
        }
        return self._acknowledged(self._post(REVERSAL_PATH, payload, reference), "ConversationID")

    def statement(self, day: datetime.date) -> list[StatementLine]:
        return self.fetch_statement(day, "", self._bearer)

    def parse_callback(
        self, *, kind: str, body: bytes, headers: Mapping[str, str], reference: str = ""
    ) -> CallbackResult:
        try:
            ours, outcome = results.read_callback(kind, body, self.config.currency, reference)
        except (ValueError, KeyError, TypeError) as error:  # UnicodeDecodeError is a ValueError
            raise InvalidCallback(self.redact(f"{self.config.code} {kind}: {error}")) from None
        return CallbackResult(reference=ours, kind=kind, outcome=self.clean(outcome))

    # --- tokens ---

    def token_key(self, product: str) -> str:
        credentials = self.config.credentials
        return account_key(
            "daraja",
            self.config.base_url,
            credentials.get("consumer_key", ""),
            credentials.get("consumer_secret", ""),
        )

    def token_request(self, product: str) -> Reply:
        auth = (self.credential("consumer_key"), self.credential("consumer_secret"))
        headers = {"Accept": "application/json"}
        return self.http.request("GET", TOKEN_PATH, headers=headers, auth=auth)

    def token_rejected(self, reply: Reply) -> bool:
        return reply.status == 401 or replies.error_code(reply) == INVALID_TOKEN

    # --- requests and their answers ---

    def _post(self, path: str, payload: dict[str, Any], reference: str) -> Reply:
        return self.authorized(
            "",
            lambda token: self.http.request(
                "POST", path, headers=self._bearer(token), json=payload, reference=reference
            ),
        )

    def _acknowledged(self, reply: Reply, handle: str) -> Outcome:
        self._raise_if_unavailable(reply, "request")
        outcome = replies.acknowledgement(reply, handle)
        if outcome is None:  # a 2xx we cannot read: it may have been taken
            raise self.unavailable(
                f"{self.config.code}: unreadable acknowledgement (HTTP {reply.status})."
            )
        return self.clean(outcome)

    def _stk_query(self, reference: str, checkout: str) -> Outcome:
        if not checkout:
            return Outcome(
                Status.UNKNOWN,
                reason=Reason.UNKNOWN,
                detail="no CheckoutRequestID to query (the push was never acknowledged)",
            )
        payload = {**self._stk_auth(), "CheckoutRequestID": checkout}
        reply = self._post(STK_QUERY_PATH, payload, reference)
        if pending := replies.still_processing(reply, checkout):
            return self.clean(pending)
        self._raise_if_unavailable(reply, "STK query")
        return self.clean(replies.stk_query(reply, checkout))

    def _transaction_status(self, reference: str, operator_reference: str) -> Outcome:
        url = self._callback_url(Kind.STATUS, reference)
        # A receipt is a TransactionID; a ConversationID ("AG_...") is not. Our reference is
        # the OriginatorConversationID we sent with the B2C request.
        receipt = "" if operator_reference.startswith("AG_") else operator_reference
        payload = {
            **self._initiator("Initiator"),
            "CommandID": "TransactionStatusQuery",
            "TransactionID": receipt,
            "OriginatorConversationID": reference,
            "PartyA": self._shortcode(),
            "IdentifierType": SHORTCODE_IDENTIFIER,
            "ResultURL": url,
            "QueueTimeOutURL": url,
            "Remarks": "Status check",
            "Occasion": "",
        }
        reply = self._post(STATUS_PATH, payload, reference)
        self._raise_if_unavailable(reply, "transaction status query")
        return self.clean(replies.status_query(reply, operator_reference, self.config.currency))

    def _raise_if_unavailable(self, reply: Reply, what: str) -> None:
        if problem := replies.unavailable_problem(reply):
            raise self.unavailable(
                f"{self.config.code}: {what} failed: {problem}".strip(), sent=reply.status != 429
            )

    # --- pieces of requests ---

    def _prepare(self, reference: str, phone: str, amount: int) -> tuple[str, str, int]:
        """Validate before any HTTP: a UUID4 reference, an E.164 phone, whole shillings."""
        reference = check_reference(reference)
        party = msisdn(phone)
        check_amount(amount)
        return reference, party, whole_units(amount, self.config.currency)

    def _stk_auth(self) -> dict[str, str]:
        shortcode = self._shortcode()
        timestamp = self.clock().astimezone(NAIROBI).strftime("%Y%m%d%H%M%S")
        raw = shortcode + self.credential("passkey") + timestamp
        password = base64.b64encode(raw.encode()).decode()
        self.redact.add(password)
        return {"BusinessShortCode": shortcode, "Password": password, "Timestamp": timestamp}

    def _initiator(self, field: str) -> dict[str, str]:
        return {
            field: self.credential("initiator_name"),
            "SecurityCredential": self.credential("security_credential"),
        }

    def _shortcode(self) -> str:
        if not self.config.shortcode:
            raise self.error(f"{self.config.code}: no Daraja shortcode is configured.")
        return self.config.shortcode

    def _callback_url(self, kind: str, reference: str) -> str:
        if not self.config.callback_base_url:
            raise self.error(f"{self.config.code}: no callback URL is configured.")
        return f"{self.config.callback_base_url.rstrip('/')}/{kind}/?ref={reference}"

    def _bearer(self, token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}", "Accept": "application/json"}
