"""A phone that talks to the real USSD view the way Africa's Talking does."""

from __future__ import annotations

import itertools

import pytest
from django.conf import settings
from django.test import Client

_sessions = itertools.count(1)


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

    def _hop(self) -> str:
        response = self.client.post(
            f"/ussd/africastalking/{settings.USSD_CALLBACK_TOKEN}/",
            {
                "sessionId": self.session_id,
                "serviceCode": "*384#",
                "phoneNumber": self.number,
                "networkCode": "63902",
                "text": "*".join(self.inputs),
            },
        )
        assert response.status_code == 200, response.content
        assert response["Content-Type"].startswith("text/plain")
        self.screen = response.content.decode()
        assert self.screen.startswith(("CON ", "END ")), self.screen
        assert len(self.screen) <= settings.USSD_SCREEN_LIMIT, self.screen
        return self.screen


@pytest.fixture
def phone_of(client: Client):
    def make(wallet) -> Phone:
        return Phone(client, wallet.customer.phone)

    return make
