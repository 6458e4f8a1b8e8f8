"""Accounts (name, balance and statement with consent), quotations and debit mandates."""

from __future__ import annotations

import datetime
import uuid

from django.utils import timezone

from merchants import services
from merchants.models import Mandate, MandateState
from tests.gsma.conftest import assert_error
from wallets.models import OutboxMessage

ALICE = "/accounts/msisdn/+254712000001"


def consent(partner, wallet):
    return services.create_mandate(
        customer=wallet.customer,
        merchant=partner,
        max_per_payment=10_000,
        max_daily=10_000,
        ends_on=timezone.localdate() + datetime.timedelta(days=5),
        idempotency_key=str(uuid.uuid4()),
        channel="ussd",
        approved=True,
    )


def test_the_account_name_needs_the_accountname_scope(make_client, partner, alice):
    assert make_client(["accountname"]).get(f"{ALICE}/accountname").json() == {
        "name": {"fullName": "Alice Wanjiru", "firstName": "Alice", "lastName": "Wanjiru"}
    }
    assert_error(make_client(["accountread"]).get(f"{ALICE}/accountname"), 403, "authorisation")
    assert_error(
        make_client(["accountname"]).get("/accounts/msisdn/+254799999999/accountname"),
        404,
        "identification",
    )


def test_balance_and_statement_need_the_customers_consent(make_client, partner, alice, fund):
    fund(alice, 12_345)
    reader = make_client(["accountread"])
    assert_error(reader.get(f"{ALICE}/balance"), 403, "authorisation")
    assert_error(reader.get(f"{ALICE}/statemententries"), 403, "authorisation")
    mandate = consent(partner, alice)
    body = reader.get(f"{ALICE}/balance").json()
    assert body["currentBalance"] == "123.45"
    assert body["availableBalance"] == "123.45"
    services.debit(
        merchant=partner,
        mandate_reference=mandate.reference,
        amount=2_000,
        idempotency_key=str(uuid.uuid4()),
        channel="api",
    )
    entries = reader.get(f"{ALICE}/statemententries?limit=5&offset=0")
    assert entries.status_code == 200
    # Only what passed between Alice and this partner: not her funding, nor anyone else's.
    assert entries["X-Records-Available-Count"] == "1"
    assert entries["X-Records-Returned-Count"] == "1"
    assert entries.json()[0]["amount"] == "20.00"
    assert_error(make_client(["accountname"]).get(f"{ALICE}/balance"), 403, "authorisation")


def test_a_quotation_gives_the_fee_before_the_payment(api, partner):
    body = {
        "requestAmount": "500.00",
        "requestCurrency": "KES",
        "type": "disbursement",
        "debitParty": [{"key": "organisationid", "value": str(partner.pk)}],
        "creditParty": [{"key": "msisdn", "value": "+254712000001"}],
    }
    response = api.post("/quotations", body)
    assert response.status_code == 201, response.content
    quote = response.json()["quotes"][0]
    assert quote["fees"][0] == {
        "feeType": "disbursementFee",
        "feeAmount": "5.00",
        "feeCurrency": "KES",
    }
    body["type"] = "merchantpay"
    quote = api.post("/quotations", body).json()["quotes"][0]
    assert quote["fees"][0]["feeType"] == "merchantFee"


def test_a_partner_asks_for_a_mandate_reads_it_and_cancels_it(api, partner, alice):
    response = api.post(
        f"{ALICE}/debitmandates",
        {
            "startDate": timezone.localdate().isoformat(),
            "amountLimit": "20.00",
            "customData": [{"key": "dailyAmountLimit", "value": "100.00"}],
        },
    )
    assert response.status_code == 202, response.content
    state = response.json()
    mandate = Mandate.objects.get()
    assert (mandate.state, mandate.max_per_payment, mandate.max_daily) == ("pending", 2000, 10000)
    assert OutboxMessage.objects.filter(topic="mandate.requested").count() == 1
    read = api.get(f"{ALICE}/debitmandates/{mandate.reference}").json()
    assert read["mandateStatus"] == "inactive"
    assert read["amountLimit"] == "20.00"

    services.approve_mandate(mandate=mandate, customer=alice.customer)
    polled = api.get(f"/requeststates/{state['serverCorrelationId']}").json()
    assert polled["status"] == "completed"
    assert polled["objectReference"] == mandate.reference
    assert api.get(f"{ALICE}/debitmandates/{mandate.reference}").json()["mandateStatus"] == "active"

    cancel = [{"op": "replace", "path": "/mandateStatus", "value": "inactive"}]
    response = api.send("PATCH", f"{ALICE}/debitmandates/{mandate.reference}", cancel)
    assert response.status_code == 204, response.content
    mandate.refresh_from_db()
    assert (mandate.state, mandate.ended_by) == (MandateState.CANCELLED, "merchant")
    wrong = api.send(
        "PATCH",
        f"{ALICE}/debitmandates/{mandate.reference}",
        [{"op": "replace", "path": "/endDate", "value": "2030-01-01"}],
    )
    assert_error(wrong, 400, "validation")


def test_another_partners_mandate_is_not_found(make_client, partner, other_partner, alice):
    mandate = consent(partner, alice)
    stranger = make_client(merchant=other_partner)
    assert_error(stranger.get(f"{ALICE}/debitmandates/{mandate.reference}"), 404, "identification")
