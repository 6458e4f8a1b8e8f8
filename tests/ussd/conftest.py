"""A phone that talks to the real USSD view the way Africa's Talking does."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest
from django.conf import settings
from django.test import Client

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse

from tests.merchants.conftest import duka, duka_till, water  # noqa: F401  (merchant fixtures)
from wallets import services
from wallets.models import Account

_sessions = itertools.count(1)

HOP_URL = f"/ussd/africastalking/{settings.USSD_CALLBACK_TOKEN}/"
EVENTS_URL = f"/ussd/africastalking/{settings.USSD_CALLBACK_TOKEN}/events/"


class Phone:
    """Dial, type, read: every hop posts the whole input so far, joined by `*`."""

    def __init__(self, client: Client, number: str) -> None:
        self.client = client
        self.number = number
        self.session_id = ""
        self.inputs: list[str] = []
        self.screen = ""

    def dial(self, *shortcut: str) -> str:
        self.session_id = f"ATUid_test_{next(_sessions)}"
        self.inputs = list(shortcut)
        return self._hop()

    def type(self, token: str) -> str:
        self.inputs.append(token)
        return self._hop()

    def resend(self) -> str:
        return self._hop()

    @property
    def text(self) -> str:
        return "*".join(self.inputs)

    def _hop(self) -> str:
        response = post_hop(
            self.client,
            sessionId=self.session_id,
            serviceCode="*384#",
            phoneNumber=self.number,
            networkCode="63902",
            text=self.text,
        )
        assert response.status_code == 200, response.content
        assert response["Content-Type"].startswith("text/plain")
        self.screen = response.content.decode()
        assert self.screen.startswith(("CON ", "END ")), self.screen
        assert len(self.screen) <= settings.USSD_SCREEN_LIMIT, self.screen
        return self.screen


def post_hop(client: Client, url: str = HOP_URL, **fields: str) -> _MonkeyPatchedWSGIResponse:
    """One raw callback, with exactly the form fields given."""
    return client.post(url, fields)


@pytest.fixture
def phone_of(client: Client) -> Callable[..., Phone]:
    """A phone for a wallet's owner, optionally after they chose a language (`sw`)."""

    def make(wallet: Account, language: str = "") -> Phone:
        customer = wallet.customer
        assert customer is not None, "a phone belongs to a customer's wallet"
        if language:
            services.set_language(customer, language)
        return Phone(client, customer.phone)

    return make


def home_screen(first_name: str, language: str = "en") -> str:
    """The customer menu's first screen, as a customer sees it."""
    if language == "sw":
        return (
            f"CON Karibu {first_name}\n1. Tuma pesa\n2. Toa pesa\n3. Nunua airtime\n4. Lipa\n"
            "5. Akaunti yangu\n6. M-Pesa na MoMo"
        )
    return (
        f"CON Welcome {first_name}\n1. Send money\n2. Withdraw cash\n3. Buy airtime\n4. Pay\n"
        "5. My account\n6. M-Pesa and MoMo"
    )
