"""Dormancy: a warning a month before, then the wallet marked dormant; new activity or an open
hold stops it; the ledger refuses a dormant wallet's payments; reactivation is asked through
maker-checker after an ID check.

Postings take the database's clock, so the months pass by handing the services a later `now`.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from compliance import dormancy, maker_checker
from compliance.errors import ComplianceRefused, NoteRequired
from compliance.models import DormancyNotice
from tests.compliance.conftest import KES, fund, owner, send, wallet
from tests.conftest import new_key
from ussd.sms.models import SmsMessage
from wallets import services
from wallets.errors import AccountNotActive
from wallets.models import CustomerStatus

pytestmark = pytest.mark.django_db


def months_on(months: int, days: int = 0) -> datetime.datetime:
    return dormancy.shift_months(timezone.now(), months) + datetime.timedelta(days=days)


@pytest.fixture
def sleeper(db, fee_income):
    """Saida Mwende, who speaks Swahili, funded today and silent ever since."""
    return wallet(
        "+254788000001", "Saida Mwende", id_number="23000001", funding=1_000 * KES, language="sw"
    )


def sms(purpose: str = dormancy.SMS_PURPOSE) -> list[SmsMessage]:
    return list(SmsMessage.objects.filter(purpose=purpose).order_by("id"))


def test_a_wallet_is_warned_at_eleven_months_and_marked_dormant_at_twelve(sleeper, settings):
    settings.DORMANCY_MONTHS = 12
    assert dormancy.review_dormancy(now=months_on(10, days=27)) == dormancy.DormancyRun(0, 0)

    warned = dormancy.review_dormancy(now=months_on(11, days=1))
    again = dormancy.review_dormancy(now=months_on(11, days=2))

    assert (warned.warned, again.warned) == (1, 0)
    [warning] = sms()
    assert warning.to == owner(sleeper).phone
    assert warning.language == "sw"
    assert f"{timezone.localdate():%d/%m/%Y}" in warning.text  # silent since today
    sleeper.customer.refresh_from_db()
    assert sleeper.customer.status == CustomerStatus.ACTIVE

    marked = dormancy.review_dormancy(now=months_on(12, days=1))

    assert marked.marked == 1
    sleeper.customer.refresh_from_db()
    assert sleeper.customer.status == CustomerStatus.DORMANT
    assert [message.dedup_key.rsplit(":", 1)[-1] for message in sms()] == ["warning", "dormant"]
    notice = DormancyNotice.objects.get(customer=sleeper.customer)
    assert notice.marked_dormant_at is not None


def test_a_dormant_wallet_cannot_pay_but_can_still_receive(sleeper, settings):
    settings.DORMANCY_MONTHS = 12
    dormancy.review_dormancy(now=months_on(11, days=1))
    dormancy.review_dormancy(now=months_on(12, days=1))
    friend = wallet("+254788000002", "Rashidi Baraka", id_number="23000002", funding=500 * KES)

    with pytest.raises(AccountNotActive):
        send(sleeper, friend, 100 * KES)
    send(friend, sleeper, 100 * KES)


def test_a_first_run_on_long_silent_wallets_warns_first_and_marks_a_month_later(sleeper, settings):
    settings.DORMANCY_MONTHS = 12
    first = dormancy.review_dormancy(now=months_on(14))
    assert (first.warned, first.marked) == (1, 0)

    assert dormancy.review_dormancy(now=months_on(14, days=20)).marked == 0
    assert dormancy.review_dormancy(now=months_on(15)).marked == 1


def test_activity_after_the_warning_keeps_the_wallet_active(sleeper, settings, fee_income):
    settings.DORMANCY_MONTHS = 12
    dormancy.review_dormancy(now=months_on(11, days=1))
    fund(sleeper, 10 * KES)  # moves again after the warning

    run = dormancy.review_dormancy(now=months_on(12, days=1))

    assert run.marked == 0
    sleeper.customer.refresh_from_db()
    assert sleeper.customer.status == CustomerStatus.ACTIVE
    # The new silence is a new period: warned once more, on its own notice.
    assert DormancyNotice.objects.filter(customer=sleeper.customer).count() == 2


def test_a_wallet_with_an_open_hold_is_left_alone(sleeper, settings):
    settings.DORMANCY_MONTHS = 12
    services.place_hold(
        account=sleeper,
        amount=100 * KES,
        reason="lien: court order",
        idempotency_key=new_key("hold"),
        deadline=months_on(24),
    )

    assert dormancy.review_dormancy(now=months_on(13)) == dormancy.DormancyRun(0, 0)
    assert sms() == []


def test_the_dormancy_period_comes_from_the_setting(sleeper, settings):
    settings.DORMANCY_MONTHS = 9  # Uganda
    assert dormancy.review_dormancy(now=months_on(8, days=1)).warned == 1


def test_reactivation_is_asked_through_maker_checker_after_an_id_check(
    sleeper, settings, django_user_model, monkeypatch
):
    settings.DORMANCY_MONTHS = 12
    staff = django_user_model.objects.create_user("wekesa", is_staff=True)
    customer = owner(sleeper)
    with pytest.raises(ComplianceRefused, match="not dormant"):
        dormancy.request_reactivation(customer=customer, maker=staff, note="ID seen")
    dormancy.review_dormancy(now=months_on(11, days=1))
    dormancy.review_dormancy(now=months_on(12, days=1))
    asked: list[dict[str, Any]] = []

    def request_change(**request: Any) -> str:
        asked.append(request)
        return "41"

    monkeypatch.setattr(maker_checker, "request_change", request_change)

    with pytest.raises(NoteRequired):
        dormancy.request_reactivation(customer=customer, maker=staff, note=" ")
    request_id = dormancy.request_reactivation(
        customer=customer, maker=staff, note="National ID 23000001 seen at the Thika branch"
    )

    assert request_id == "41"
    [request] = asked
    assert (request["kind"], request["payload"]) == ("unfreeze", {"customer": customer.pk})
    assert "Thika branch" in request["reason"]
    notice = DormancyNotice.objects.get(customer=customer)
    assert (notice.reactivation_request, notice.reactivation_requested_by) == ("41", staff)
    customer.refresh_from_db()
    assert customer.status == CustomerStatus.DORMANT  # until a second person approves
