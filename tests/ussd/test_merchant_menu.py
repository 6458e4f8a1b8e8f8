"""Home 4, Pay: buy goods at a till, pay a bill, and merchants' requests to pay, through the
real USSD view, in both languages. The customer pays the price; the merchant pays its fee."""

from __future__ import annotations

import pytest

from merchants import services as merchants
from merchants.models import BusinessStatus
from tests.conftest import balance, new_key
from ussd.models import UssdSession
from wallets import services
from wallets.models import PaymentRequestState, Transaction, TransactionKind

PAY_MENU = (
    "CON Pay\n1. Buy goods (till)\n2. Pay bill\n3. Pending requests\n4. Standing payments\n0. Back"
)
TILL_CONFIRM = "Pay KES 500 to Mama Duka Shop till 512345?\nFee KES 0\nEnter PIN\n0. Back"


def merchant_balance(merchant) -> int:
    merchant.account.refresh_from_db()
    return int(merchant.account.balance)


def test_a_customer_buys_goods_at_a_till_and_pays_exactly_the_price(alice, fund, duka, phone_of):
    fund(alice, 100_000)
    phone = phone_of(alice)

    assert phone.dial("4") == PAY_MENU
    assert phone.type("1") == "CON Buy goods\nEnter till number\n0. Back"
    assert phone.type("512345") == "CON Pay Mama Duka Shop\nEnter amount\n0. Back"
    assert phone.type("500") == f"CON {TILL_CONFIRM}"
    reply = phone.type("2468")

    paid = Transaction.objects.get(kind=TransactionKind.MERCHANT_PAY)
    assert reply == (
        f"END {paid.reference} Confirmed. KES 500 paid to Mama Duka Shop. Fee KES 0. You will "
        "get an SMS."
    )
    assert paid.channel == "ussd"
    assert paid.metadata["point"] == "512345"
    # KES 1,000 - KES 500; the shop gets KES 500 less its KES 1 micropayment fee.
    assert balance(alice) == 50_000
    assert merchant_balance(duka) == 49_900
    assert phone.resend() == reply  # a retried hop pays nothing more
    assert Transaction.objects.filter(kind=TransactionKind.MERCHANT_PAY).count() == 1


def test_a_pin_hop_run_again_finds_the_payment_before_asking_for_the_pin(
    alice, fund, duka, phone_of
):
    fund(alice, 100_000)
    phone = phone_of(alice)
    phone.dial("4", "1", "512345", "500")
    first = phone.type("2468")
    # Our stored session is lost after the payment committed, and the gateway retries the hop:
    # every token is applied again, the PIN hop with the same key. The PIN has changed since,
    # so only the replay can answer.
    UssdSession.objects.filter(session_id=phone.session_id).delete()
    services.set_pin(alice.customer, "9753")

    assert phone.resend() == first
    assert Transaction.objects.filter(kind=TransactionKind.MERCHANT_PAY).count() == 1
    assert balance(alice) == 50_000


def test_a_bill_needs_an_account_number_the_pay_bill_accepts(alice, fund, water, phone_of):
    fund(alice, 100_000)
    phone = phone_of(alice)
    account_screen = "Pay Nairobi Water\nEnter account number\n0. Back"

    assert phone.dial("4", "2") == "CON Pay bill\nEnter business number\n0. Back"
    assert phone.type("888880") == f"CON {account_screen}"
    assert phone.type("12345") == (
        f"CON That account number is not valid for this pay-bill.\n{account_screen}"
    )
    assert not Transaction.objects.filter(kind=TransactionKind.MERCHANT_PAY).exists()
    assert phone.type("w123456") == "CON Pay Nairobi Water\nEnter amount\n0. Back"
    assert phone.type("250") == (
        "CON Pay KES 250 to Nairobi Water account W123456?\nFee KES 0\nEnter PIN\n0. Back"
    )
    assert phone.type("2468").startswith("END ")

    paid = Transaction.objects.get(kind=TransactionKind.MERCHANT_PAY)
    assert paid.metadata["account_reference"] == "W123456"
    assert balance(alice) == 75_000
    assert merchant_balance(water) == 25_000 - paid.fee


def test_an_unknown_till_and_a_number_of_the_other_kind_are_refused(
    alice, fund, duka, water, phone_of
):
    fund(alice, 100_000)
    phone = phone_of(alice)
    till_screen = "Buy goods\nEnter till number\n0. Back"

    assert phone.dial("4", "1", "999999") == (
        f"CON No merchant has that till or pay-bill number.\n{till_screen}"
    )
    assert phone.type("888880") == f"CON That is a pay-bill number. Choose Pay bill.\n{till_screen}"
    assert phone.type("shop") == f"CON Enter the number, in digits.\n{till_screen}"
    assert phone.dial("4", "2", "512345") == (
        "CON That is a till number. Choose Buy goods.\nPay bill\nEnter business number\n0. Back"
    )
    assert not Transaction.objects.filter(kind=TransactionKind.MERCHANT_PAY).exists()


def test_a_suspended_merchant_takes_nothing_even_after_the_confirmation(
    alice, fund, duka, phone_of
):
    fund(alice, 100_000)
    phone = phone_of(alice)
    assert phone.dial("4", "1", "512345", "500") == f"CON {TILL_CONFIRM}"
    duka.status = BusinessStatus.SUSPENDED
    duka.save(update_fields=["status"])

    assert phone.type("2468") == "END This merchant cannot take payments now."
    assert phone.dial("4", "1", "512345") == (
        "CON This merchant cannot take payments now.\nBuy goods\nEnter till number\n0. Back"
    )
    assert balance(alice) == 100_000


def test_a_wrong_pin_pays_nothing(alice, fund, duka, phone_of):
    fund(alice, 100_000)
    phone = phone_of(alice)
    phone.dial("4", "1", "512345", "500")

    assert phone.type("1357") == f"CON Wrong PIN. 2 tries left.\n{TILL_CONFIRM}"
    assert not Transaction.objects.filter(kind=TransactionKind.MERCHANT_PAY).exists()
    assert balance(alice) == 100_000
    assert merchant_balance(duka) == 0


@pytest.mark.parametrize(
    ("funds", "limit", "notice"),
    [
        (10_000, None, "Insufficient funds: your balance does not cover the amount and the fee."),
        (100_000, 20_000, "This merchant cannot take that amount."),
    ],
)
def test_what_refuses_a_payment_is_shown_before_the_pin(
    alice, fund, duka, phone_of, funds, limit, notice
):
    fund(alice, funds)
    duka.max_per_payment = limit
    duka.save(update_fields=["max_per_payment"])
    assert phone_of(alice).dial("4", "1", "512345", "500") == (
        f"CON {notice}\nPay Mama Duka Shop\nEnter amount\n0. Back"
    )
    assert balance(alice) == funds


def test_a_till_payment_in_kiswahili(alice, fund, duka, phone_of):
    fund(alice, 100_000)
    phone = phone_of(alice, language="sw")
    assert phone.dial("4") == (
        "CON Lipa\n1. Nunua bidhaa (till)\n2. Lipa bili\n3. Maombi yanayosubiri\n"
        "4. Malipo ya kudumu\n0. Rudi"
    )
    assert phone.type("1") == "CON Nunua bidhaa\nWeka nambari ya till\n0. Rudi"
    assert phone.type("999999") == (
        "CON Hakuna mfanyabiashara mwenye nambari hiyo ya till au paybill.\n"
        "Nunua bidhaa\nWeka nambari ya till\n0. Rudi"
    )
    assert phone.type("512345") == "CON Lipa Mama Duka Shop\nWeka kiasi\n0. Rudi"
    assert phone.type("500") == (
        "CON Lipa KES 500 kwa Mama Duka Shop till 512345?\nAda KES 0\nWeka PIN\n0. Rudi"
    )
    paid_reply = phone.type("2468")
    paid = Transaction.objects.get(kind=TransactionKind.MERCHANT_PAY)
    assert paid_reply == (
        f"END {paid.reference} Imethibitishwa. KES 500 imelipwa kwa Mama Duka Shop. Ada KES 0. "
        "Utapokea SMS."
    )


def ask(merchant, wallet, amount=50_000, note="May bill"):
    return merchants.request_to_pay(
        merchant=merchant,
        payer=wallet.customer,
        amount=amount,
        idempotency_key=new_key(),
        note=note,
    )


def test_a_merchants_request_is_paid_from_the_pay_menu_with_no_fee_for_the_payer(
    alice, fund, water, phone_of
):
    fund(alice, 100_000)
    request = ask(water, alice)
    phone = phone_of(alice)

    assert phone.dial("4", "3") == "CON Pending requests\n1. KES 500 Nairobi Water\n0. Back"
    assert phone.type("1") == (
        "CON Nairobi Water asks for KES 500\nMay bill\n1. Pay\n2. Decline\n0. Back"
    )
    assert phone.type("1") == "CON Pay KES 500 to Nairobi Water?\nFee KES 0\nEnter PIN\n0. Back"
    reply = phone.type("2468")

    request.refresh_from_db()
    paid = request.transaction
    assert request.state == PaymentRequestState.PAID
    assert paid is not None
    assert paid.kind == TransactionKind.MERCHANT_PAY
    assert reply == (
        f"END {paid.reference} Confirmed. KES 500 paid to Nairobi Water. Fee KES 0. You will get "
        "an SMS."
    )
    merchant_fee = services.fee_for(water.fee_kind, "KES", 50_000)
    assert paid.fee == merchant_fee
    assert (balance(alice), merchant_balance(water)) == (50_000, 50_000 - merchant_fee)
    assert phone.dial("5", "6") == "END You have no pending requests."


def test_a_merchants_request_is_declined_from_my_account(alice, water, phone_of):
    request = ask(water, alice, note="")
    phone = phone_of(alice, language="sw")
    assert phone.dial("5", "6") == "CON Maombi yanayosubiri\n1. KES 500 Nairobi Water\n0. Rudi"
    assert phone.type("1") == "CON Nairobi Water anaomba KES 500\n1. Lipa\n2. Kataa\n0. Rudi"
    assert phone.type("2") == "END Ombi la malipo limekataliwa."
    request.refresh_from_db()
    assert request.state == PaymentRequestState.DECLINED
    assert not Transaction.objects.filter(kind=TransactionKind.MERCHANT_PAY).exists()


def test_a_suspended_merchants_request_cannot_be_paid(alice, fund, water, phone_of):
    fund(alice, 100_000)
    request = ask(water, alice)
    water.status = BusinessStatus.SUSPENDED
    water.save(update_fields=["status"])
    assert phone_of(alice).dial("4", "3", "1", "1") == (
        "END This merchant cannot take payments now."
    )
    request.refresh_from_db()
    assert request.state == PaymentRequestState.PENDING
    assert balance(alice) == 100_000


def test_customer_and_merchant_requests_share_one_list(alice, bob, water, phone_of):
    services.request_payment(
        requester=bob,
        requester_name="Bob",
        payer=alice.customer,
        amount=20_000,
        idempotency_key="b",
    )
    ask(water, alice)
    listed = "CON Pending requests\n1. KES 200 BOB OTIENO\n2. KES 500 Nairobi Water\n0. Back"
    assert phone_of(alice).dial("4", "3") == listed
    assert phone_of(alice).dial("5", "6") == listed
