"""Home 6 by USSD: top up from M-Pesa and send back to it, against the simulator."""

from __future__ import annotations

import pytest

from operators.models import OperatorRequest, RequestState
from tests.conftest import balance
from tests.ussd.conftest import Phone
from wallets import services

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PIN = "4821"


@pytest.fixture
def amina_phone(client, amina) -> Phone:
    assert amina.customer is not None
    services.set_pin(amina.customer, PIN)
    return Phone(client, amina.customer.phone)


def test_a_customer_tops_up_from_m_pesa_and_sends_some_back(mpesa, amina, amina_phone, settled):
    assert amina_phone.dial("6") == (
        "CON Mobile money\n1. Top up from M-Pesa\n2. Send to my M-Pesa\n0. Back"
    )
    assert amina_phone.type("1") == "CON Top up from M-Pesa\nEnter amount\n0. Back"
    assert amina_phone.type("500") == (
        "CON Top up KES 500 from M-Pesa 0722555123?\n1. Yes\n0. Back"
    )
    assert amina_phone.type("1") == (
        "END Check your phone: enter your M-Pesa PIN to pay KES 500. You will get an SMS."
    )
    top_up = settled(OperatorRequest.objects.get(kind="collection"))
    assert top_up.state == RequestState.SUCCEEDED
    assert balance(amina) == 50_000

    out = Phone(amina_phone.client, amina_phone.number)
    assert out.dial("6", "2", "200") == (
        "CON Send KES 200 to your M-Pesa 0722555123?\nFee KES 7\nEnter PIN\n0. Back"
    )
    assert out.type(PIN) == "END Request received: KES 200 to your M-Pesa. You will get an SMS."
    payout = settled(OperatorRequest.objects.get(kind="payout"))
    assert payout.state == RequestState.SUCCEEDED
    assert balance(amina) == 50_000 - 20_700


def test_cents_are_refused_for_m_pesa_in_kiswahili(mpesa, amina, amina_phone):
    services.set_language(amina.customer, "sw")
    assert amina_phone.dial("6", "1", "10.50") == (
        "CON Weka shilingi kamili, kama 500.\nOngeza kutoka M-Pesa\nWeka kiasi\n0. Rudi"
    )
    assert not OperatorRequest.objects.exists()


def test_without_operators_the_menu_says_so(db, client, amina, amina_phone):
    assert amina_phone.dial("6") == "END Mobile money is not available now. Please try later."
