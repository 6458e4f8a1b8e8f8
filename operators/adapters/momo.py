"""MTN MoMo Open API: Collection (request to pay) and Disbursement (transfer).

A POST answers 202 with no body; the outcome comes by callback (sent ONCE, never retried) or
by polling GET .../{referenceId}. Our reference is the `X-Reference-Id` (a UUID4: MoMo
answers 409 RESOURCE_ALREADY_EXIST when it is reused) and the `externalId`, which MoMo echoes
in the callback body. Each product has its own subscription key and token.

    request:  POST /collection/v1_0/requesttopay  {"amount": "150.50", "currency": "KES",
              "externalId": ref, "payer": {"partyIdType": "MSISDN", "partyId": "2547..."},
              "payerMessage", "payeeNote"}          (a transfer has "payee" instead of "payer")
    status:   GET  /collection/v1_0/requesttopay/{ref} and the callback body:
              {"financialTransactionId", "externalId", "amount", "currency", "payer",
               "status": "PENDING" | "SUCCESSFUL" | "FAILED", "reason": "NOT_ENOUGH_FUNDS"}
              (`reason` is a string, or {"code", "message"} in older versions)
    errors:   {"code": "PAYER_NOT_FOUND", "message": "..."}

Choices worth knowing:
- 409 on a request: it was already made (a retry of ours): the status query answers instead,
  and a request of another amount or phone under the same reference is an OperatorError.
- No reversal API in these products: `reverse` raises OperatorError (a refund is a new payout).
- `balance` is the Collection account's `availableBalance` (where collections land). MTN
  keeps the Disbursement account apart; the simulator keeps one account for both.
- Without a `callback_base_url` no X-Callback-Url is sent: the outcome is found by polling.
"""

from __future__ import annotations

import base64
import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import requests

from operators.adapters import momo_results as results
from operators.adapters.base import (
    CallbackResult,
    InvalidCallback,
    Kind,
    OperatorConfig,
    OperatorError,
    Outcome,
    Reason,
    StatementLine,
    Status,
    check_reference,
)
from operators.adapters.formats import (
    check_amount,
    decimal_text,
    minor_units,
    msisdn,
    read_json,
    text,
)
from operators.adapters.http import HttpAdapter, Reply, account_key


@dataclass(frozen=True)
class Product:
    name: str  # "collection" | "disbursement"
    path: str  # where requests are POSTed and, with /{ref}, queried
    key: str  # the credential holding its subscription key
    party: str  # the customer's side in the body: "payer" or "payee"


PRODUCTS: dict[str, Product] = {
    Kind.COLLECTION: Product(
        "collection", "/collection/v1_0/requesttopay", "subscription_key_collection", "payer"
    ),
    Kind.PAYOUT: Product(
        "disbursement", "/disbursement/v1_0/transfer", "subscription_key_disbursement", "payee"
    ),
}
COLLECTION = PRODUCTS[Kind.COLLECTION]
BALANCE_PATH = "/collection/v1_0/account/balance"


class MomoAdapter(HttpAdapter):
    def __init__(self, config: OperatorConfig, *, session: requests.Session | None = None):
        super().__init__(config, session=session)
        credentials = config.credentials
        basic = f"{credentials.get('api_user')}:{credentials.get('api_key')}"
        self.redact.add(base64.b64encode(basic.encode()).decode())

    # --- the interface ---

    def collect(self, *, reference: str, phone: str, amount: int, description: str) -> Outcome:
        return self._request(Kind.COLLECTION, reference, phone, amount, description)

    def pay_out(self, *, reference: str, phone: str, amount: int, description: str) -> Outcome:
        return self._request(Kind.PAYOUT, reference, phone, amount, description)

    def pay_bill(
        self, *, reference: str, paybill: str, account: str, amount: int, description: str
    ) -> Outcome:
        raise OperatorError("MoMo: pay-bill payments are not supported (MoMo has no pay-bills).")

    def status(self, *, reference: str, kind: str, operator_reference: str = "") -> Outcome:
        reference = check_reference(reference)
        if kind == Kind.REVERSAL:
            raise OperatorError("MoMo: reversals are not supported (no reversal API).")
        if kind not in PRODUCTS:
            raise ValueError(f"Cannot query the status of a {kind!r}.")
        product = PRODUCTS[kind]
        reply = self._send(product, "GET", f"{product.path}/{reference}", reference=reference)
        self._raise_if_unavailable(reply, "status query")
        if not reply.ok:  # 404 RESOURCE_NOT_FOUND: not (yet) known to them
            return self._unknown(results.error_detail(reply))
        try:
            return self.clean(
                results.transfer_outcome(reply.body, product.party, self.config.currency)
            )
        except (ValueError, KeyError, TypeError) as error:
            return self._unknown(f"unreadable status: {error}")

    def balance(self) -> int:
        reply = self._send(COLLECTION, "GET", BALANCE_PATH)
        self._raise_if_unavailable(reply, "balance query")
        if not reply.ok:
            raise self.error(f"{self.config.code}: balance refused: {results.error_detail(reply)}")
        body = reply.body if isinstance(reply.body, dict) else {}
        currency = body.get("currency")
        if currency != self.config.currency:
            raise self.error(
                f"{self.config.code}: balance in {currency!r}, expected {self.config.currency}."
            )
        try:
            return minor_units(body.get("availableBalance"), self.config.currency)
        except ValueError as error:
            raise self.unavailable(f"{self.config.code}: unreadable balance: {error}") from None

    def reverse(self, *, reference: str, operator_reference: str, amount: int) -> Outcome:
        raise OperatorError(
            "MoMo: reversals are not supported (the Collection and Disbursement products have "
            "no reversal API); pay the money back with a new payout."
        )

    def statement(self, day: datetime.date) -> list[StatementLine]:
        return self.fetch_statement(
            day, COLLECTION.name, lambda token: self._headers(COLLECTION, token)
        )

    def parse_callback(
        self, *, kind: str, body: bytes, headers: Mapping[str, str], reference: str = ""
    ) -> CallbackResult:
        if kind not in PRODUCTS:
            raise InvalidCallback(f"MoMo sends no {kind!r} callbacks.")
        try:
            data = read_json(body)
            outcome = results.transfer_outcome(data, PRODUCTS[kind].party, self.config.currency)
            given = check_reference(reference) if reference else ""
            external = text(data.get("externalId"))
            echoed = check_reference(external) if external else ""
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise InvalidCallback(self.redact(f"{self.config.code} {kind}: {error}")) from None
        if given and echoed and given != echoed:
            raise InvalidCallback(f"{self.config.code} {kind}: externalId is another request's.")
        if not (given or echoed):
            raise InvalidCallback(f"{self.config.code} {kind}: no reference and no externalId.")
        return CallbackResult(reference=given or echoed, kind=kind, outcome=self.clean(outcome))

    # --- tokens ---

    def token_key(self, product: str) -> str:
        credentials = self.config.credentials
        return account_key(
            "momo",
            self.config.base_url,
            product,
            credentials.get("api_user", ""),
            credentials.get("api_key", ""),
            credentials.get(f"subscription_key_{product}", ""),
        )

    def token_request(self, product: str) -> Reply:
        key = self.credential(f"subscription_key_{product}")
        auth = (self.credential("api_user"), self.credential("api_key"))
        headers = {"Ocp-Apim-Subscription-Key": key, "Accept": "application/json"}
        return self.http.request("POST", f"/{product}/token/", headers=headers, auth=auth)

    def token_rejected(self, reply: Reply) -> bool:
        return reply.status == 401

    # --- requests and their answers ---

    def _request(
        self, kind: str, reference: str, phone: str, amount: int, description: str
    ) -> Outcome:
        reference = check_reference(reference)
        party = msisdn(phone)
        check_amount(amount)
        product = PRODUCTS[kind]
        note = (description or kind)[:160]
        payload = {
            "amount": decimal_text(amount, self.config.currency),
            "currency": self.config.currency,
            "externalId": reference,
            product.party: {"partyIdType": "MSISDN", "partyId": party},
            "payerMessage": note,
            "payeeNote": note,
        }
        extra = {"X-Reference-Id": reference}
        if self.config.callback_base_url:
            extra["X-Callback-Url"] = (
                f"{self.config.callback_base_url.rstrip('/')}/{kind}/?ref={reference}"
            )
        reply = self._send(product, "POST", product.path, payload, extra, reference)
        if reply.status == 409:
            return self._already_requested(kind, reference, phone, amount)
        self._raise_if_unavailable(reply, "request")
        if reply.ok:
            return Outcome(Status.PENDING, detail=f"HTTP {reply.status} accepted")
        code = results.error_code(reply)
        reason = results.REASONS.get(code, Reason.REJECTED)  # a 4xx: refused, nothing moved
        return self.clean(Outcome(Status.FAILED, reason=reason, detail=results.error_detail(reply)))

    def _already_requested(self, kind: str, reference: str, phone: str, amount: int) -> Outcome:
        """409: this reference was used before, by our own earlier attempt if it matches."""
        outcome = self.status(reference=reference, kind=kind)
        if outcome.status != Status.UNKNOWN and (
            (outcome.amount is not None and outcome.amount != amount)
            or (outcome.phone and outcome.phone != phone)
        ):
            raise self.error(
                f"{self.config.code}: reference {reference} was already used for another "
                "request (amount or phone differ)."
            )
        return outcome

    def _send(
        self,
        product: Product,
        method: str,
        path: str,
        payload: dict[str, Any] | None = None,
        extra: Mapping[str, str] | None = None,
        reference: str = "",
    ) -> Reply:
        return self.authorized(
            product.name,
            lambda token: self.http.request(
                method,
                path,
                headers={**self._headers(product, token), **(extra or {})},
                json=payload,
                reference=reference,
            ),
        )

    def _headers(self, product: Product, token: str) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {token}",
            "X-Target-Environment": self.credential("target_environment"),
            "Ocp-Apim-Subscription-Key": self.credential(product.key),
            "Accept": "application/json",
        }

    def _raise_if_unavailable(self, reply: Reply, what: str) -> None:
        if reply.status >= 500 or reply.status in (408, 429):
            detail = results.error_detail(reply)
            raise self.unavailable(
                f"{self.config.code}: {what} failed: HTTP {reply.status} {detail}",
                sent=reply.status != 429,
            )

    def _unknown(self, detail: str) -> Outcome:
        return Outcome(Status.UNKNOWN, reason=Reason.UNKNOWN, detail=self.redact(detail)[:300])
