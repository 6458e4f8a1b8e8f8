"""The back office: pages load, ledger rows are read-only, and the actions call the services."""

from __future__ import annotations

import datetime

import pytest
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from approvals.models import ChangeRequest
from approvals.services import approve
from tests.conftest import balance, new_key
from wallets import services
from wallets.admin.customers import AccountInline
from wallets.admin.ledger import PostingInline
from wallets.errors import WrongPin
from wallets.forms import check_bands
from wallets.models import (
    Account,
    AccountKind,
    Customer,
    Hold,
    Tariff,
    TierLimit,
    Transaction,
    TransactionStatus,
)
from wallets.money import format_amount


@pytest.fixture
def ledger(alice, bob, fund):
    """Alice funded with KES 1,000, a KES 200 send to Bob, and KES 100 of Alice's on hold."""
    funding = fund(alice, 100_000)
    sent = services.send_money(
        sender=alice, recipient=bob, amount=20_000, idempotency_key=new_key("send")
    )
    hold = services.place_hold(
        account=alice,
        amount=10_000,
        reason="cash-out awaiting agent",
        idempotency_key=new_key("hold"),
        deadline=timezone.now() + datetime.timedelta(hours=1),
    )
    return {"funding": funding, "sent": sent, "hold": hold}


def url(model: str, view: str, *args: object) -> str:
    return reverse(f"admin:wallets_{model}_{view}", args=args)


def test_every_wallet_admin_page_loads_for_a_superuser(admin_client, ledger, alice):
    issuance = services.house_account(AccountKind.ISSUANCE)
    tariff = Tariff.objects.get(kind="send_money", currency="KES")
    pages = [
        url(model, "changelist")
        for model in ("customer", "account", "transaction", "hold", "tariff", "tierlimit")
    ] + [
        url("customer", "change", alice.customer_id),
        url("account", "change", alice.pk),
        url("account", "change", issuance.pk),
        url("transaction", "change", ledger["sent"].pk),
        url("hold", "change", ledger["hold"].pk),
        url("tariff", "change", tariff.pk),
        url("tierlimit", "change", TierLimit.objects.get(tier="tier1").pk),
    ]
    for page in pages:
        assert admin_client.get(page).status_code == 200, page


@pytest.mark.parametrize("model", [Account, Transaction, Hold])
def test_ledger_rows_cannot_be_added_changed_or_deleted(rf, admin_user, model):
    request = rf.get("/")
    request.user = admin_user
    model_admin = admin.site._registry[model]
    assert model_admin.has_view_permission(request)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)


@pytest.mark.parametrize("inline", [AccountInline, PostingInline])
def test_ledger_inlines_cannot_add_change_or_delete(rf, admin_user, inline):
    request = rf.get("/")
    request.user = admin_user
    model_admin = inline(Customer if inline is AccountInline else Transaction, admin.site)
    assert not model_admin.has_add_permission(request, None)
    assert not model_admin.has_change_permission(request, None)
    assert not model_admin.has_delete_permission(request, None)


def test_posting_a_new_balance_to_an_account_changes_nothing(admin_client, ledger, alice):
    before = balance(alice)
    edit = admin_client.post(url("account", "change", alice.pk), {"balance": 99_999_999})
    add = admin_client.post(url("account", "add"), {"kind": "customer_wallet", "balance": 1})
    delete = admin_client.post(url("account", "delete", alice.pk), {"post": "yes"})
    assert (edit.status_code, add.status_code, delete.status_code) == (403, 403, 403)
    assert balance(alice) == before
    assert Account.objects.filter(pk=alice.pk).exists()


def test_the_account_page_shows_a_house_balance_summed_over_its_shards(admin_client, ledger):
    fee_income = services.house_account(AccountKind.FEE_INCOME)
    issuance = services.house_account(AccountKind.ISSUANCE)
    assert fee_income.current_balance() == ledger["sent"].fee > 0
    fee_page = admin_client.get(url("account", "change", fee_income.pk)).content.decode()
    issuance_page = admin_client.get(url("account", "change", issuance.pk)).content.decode()
    assert format_amount(ledger["sent"].fee, "KES") in fee_page
    assert format_amount(-100_000, "KES") in issuance_page


@pytest.mark.parametrize("term", ["+254712000101", "0712 000 101", "wambui", "31415926"])
def test_the_customer_search_finds_by_phone_name_or_id_number(admin_client, bob, term):
    services.register_customer(
        phone="+254712000101", name="Grace Wambui", id_type="national_id", id_number="31415926"
    )
    page = admin_client.get(url("customer", "changelist"), {"q": term}).content.decode()
    assert "Grace Wambui" in page
    assert "Bob Otieno" not in page


def lock_pin(customer: Customer) -> None:
    for _ in range(3):
        with pytest.raises(WrongPin):
            services.verify_pin(customer, "9031")
    customer.refresh_from_db()
    assert customer.pin_is_locked


def test_the_unlock_action_clears_a_pin_lock(admin_client, alice):
    customer = alice.customer
    lock_pin(customer)
    response = admin_client.post(
        url("customer", "changelist"),
        {"action": "unlock_pins", "_selected_action": [customer.pk]},
        follow=True,
    )
    assert "PIN unlocked: Alice Wanjiru (+254712000001)." in response.content.decode()
    customer.refresh_from_db()
    assert not customer.pin_is_locked
    services.verify_pin(customer, "2468")  # the right PIN works again


def test_the_customer_page_shows_the_pin_status_but_never_the_hash(admin_client, alice):
    customer = alice.customer
    assert customer.pin_hash
    page = admin_client.get(url("customer", "change", customer.pk)).content.decode()
    assert customer.pin_hash not in page
    assert customer.pin_hash.split("$")[-1] not in page  # not even the digest alone
    assert "argon2" not in page
    assert '<div class="readonly">set</div>' in page
    lock_pin(customer)
    locked_page = admin_client.get(url("customer", "change", customer.pk)).content.decode()
    assert "locked until" in locked_page
    assert customer.pin_hash not in locked_page


def test_editing_a_customer_keeps_the_pin_and_its_lock(admin_client, alice):
    customer = alice.customer
    lock_pin(customer)
    response = admin_client.post(
        url("customer", "change", customer.pk),
        {
            "phone": customer.phone,
            "name": "Alice W. Kariuki",
            "language": "sw",
            "kyc_tier": "tier2",
            "status": "active",
            "id_type": "national_id",
            "id_number": "27182818",
            "date_of_birth": "1991-03-05",
            "accounts-TOTAL_FORMS": 1,
            "accounts-INITIAL_FORMS": 1,
            "accounts-MIN_NUM_FORMS": 0,
            "accounts-MAX_NUM_FORMS": 0,
            "accounts-0-id": alice.pk,
            "accounts-0-customer": customer.pk,
        },
    )
    assert response.status_code == 302
    edited = Customer.objects.get(pk=customer.pk)
    assert (edited.name, edited.kyc_tier, edited.id_number) == (
        "Alice W. Kariuki",
        customer.kyc_tier,  # posted, but a tier changes only through maker-checker
        "27182818",
    )
    assert (edited.pin_hash, edited.pin_locked_until) == (
        customer.pin_hash,
        customer.pin_locked_until,
    )


def test_tariffs_and_limits_change_only_through_maker_checker(admin_client):
    """A superuser too: a new tariff or limit version is a change request (approvals)."""
    for model in ("tariff", "tierlimit"):
        assert admin_client.get(url(model, "add")).status_code == 403
    tariff = Tariff.objects.get(kind="send_money", currency="KES")
    page = admin_client.get(url("tariff", "change", tariff.pk)).content.decode()
    assert "/admin/approvals/changerequest/add/?kind=tariff" in page
    assert 'name="bands-0-fee"' not in page  # the bands are shown, not editable


@pytest.mark.parametrize(
    ("bands", "problem"),
    [
        ([(1, 100), (50, 200)], "overlap"),
        ([(1, 100), (102, 200)], "Amounts 101-101 fall in no band"),
        ([(1, 100), (101, 100)], "ends before it starts"),
        ([(0, 100)], "must start above 0"),
        ([], "at least one band"),
    ],
)
def test_check_bands_refuses_overlaps_gaps_and_empty_tariffs(bands, problem):
    with pytest.raises(ValidationError, match=problem):
        check_bands(bands)


def test_check_bands_accepts_contiguous_bands_in_any_order():
    check_bands([(101, 500), (1, 100), (501, 1_000)])


def test_the_seeded_kenyan_tariffs_pass_the_band_checks(db):
    tariffs = Tariff.objects.filter(currency="KES")
    assert {tariff.kind for tariff in tariffs} == {
        "send_money",
        "cash_out",
        "merchant_standard",
        "merchant_micro",
        "disbursement",
    }
    for tariff in tariffs:
        check_bands(tariff.bands.values_list("min_amount", "max_amount"))


def reverse_action(admin_client, transaction: Transaction, reason: str):
    return admin_client.post(
        url("transaction", "changelist"),
        {"action": "reverse", "_selected_action": [transaction.pk], "reason": reason},
        follow=True,
    )


def second_person(django_user_model):
    return django_user_model.objects.create_superuser("checker", "checker@example.com", "pw")


def test_the_reverse_action_asks_and_a_second_person_posts_the_mirror(
    admin_client, ledger, alice, bob, django_user_model
):
    sent = ledger["sent"]
    alice_before = balance(alice)
    page = reverse_action(admin_client, sent, "sent to the wrong number").content.decode()
    assert "another staff member must approve it" in page
    assert not Transaction.objects.filter(reverses=sent).exists()  # asking moves nothing
    change = ChangeRequest.objects.get(kind="forced_reversal")
    assert approve(change=change, checker=second_person(django_user_model)).state == "approved"
    reversal = Transaction.objects.get(reverses=sent)
    assert reversal.metadata["reason"] == f"change #{change.pk}: sent to the wrong number"
    sent.refresh_from_db()
    assert sent.status == TransactionStatus.REVERSED
    assert balance(bob) == 0
    assert balance(alice) == alice_before + sent.amount + sent.fee


def test_a_reversal_the_ledger_refuses_ends_failed_with_the_reason(
    admin_client, ledger, bob, carol, django_user_model
):
    services.send_money(sender=bob, recipient=carol, amount=15_000, idempotency_key=new_key())
    reverse_action(admin_client, ledger["sent"], "customer complaint")
    change = ChangeRequest.objects.get(kind="forced_reversal")
    decided = approve(change=change, checker=second_person(django_user_model))
    assert decided.state == "failed"
    assert "the recipient no longer holds the money" in decided.result
    assert not Transaction.objects.filter(reverses=ledger["sent"]).exists()


def test_a_reversal_needs_a_reason(admin_client, ledger):
    page = reverse_action(admin_client, ledger["sent"], "  ").content.decode()
    assert "Give a reason to reverse a transaction." in page
    assert not Transaction.objects.filter(reverses=ledger["sent"]).exists()


def test_a_customers_tier_and_status_change_only_by_maker_checker(admin_client, alice):
    page = admin_client.get(url("customer", "change", alice.customer_id)).content.decode()
    assert 'name="kyc_tier"' not in page
    assert 'name="status"' not in page
    assert "/admin/approvals/changerequest/add/?kind=freeze" in page
