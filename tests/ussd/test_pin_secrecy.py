"""A PIN typed in any journey reaches no log record, no session row and no end-of-session row.

The PINs used (2468, 1357, 3958) appear in no phone number, amount or session id here; a
search still matches them only as whole numbers, because a hex digest or an Argon2 hash can
hold any four digits by chance.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest
from django.db import connection

from tests.ussd.conftest import EVENTS_URL
from ussd.models import UssdSession, UssdSessionEnd

PINS = ("2468", "1357", "3958")


def shows_a_pin(text: str) -> str | None:
    for pin in PINS:
        if re.search(rf"(?<![0-9A-Za-z]){pin}(?![0-9A-Za-z])", text):
            return pin
    return None


def strings_in(value: Any) -> list[str]:
    """Every string in a JSON value, keys included."""
    if isinstance(value, dict):
        return [s for key, item in value.items() for s in (str(key), *strings_in(item))]
    if isinstance(value, list):
        return [s for item in value for s in strings_in(item)]
    return [str(value)]


def every_journey(alice, bob, phone_of) -> list[str]:
    """Type each PIN screen's PIN, right and wrong; return the session ids used."""
    phones = [phone_of(alice) for _ in range(6)]
    phones[0].dial("1", "0712000002", "200")
    phones[0].type("1357")
    phones[0].type("2468")  # sent
    phones[1].dial("5", "1", "2468")  # balance
    phones[2].dial("5", "2")
    phones[2].type("2468")  # mini statement
    phones[3].dial("5", "3", "2468", "3958")
    phones[3].type("3958")  # PIN changed to 3958
    phones[4].dial("5", "3", "3958", "2468")  # abandoned at the confirmation: a hash is kept
    phones[5].dial("1", "0712000002", "200", "1357")  # a wrong try, then hung up
    return [phone.session_id for phone in phones]


@pytest.mark.usefixtures("bob")
def test_pins_reach_no_log_record_even_with_sql_logged(alice, bob, fund, phone_of, caplog):
    fund(alice, 100_000)
    for name in ("", "django", "django.db.backends", "django.request", "ussd", "wallets"):
        caplog.set_level(logging.DEBUG, logger=name)
    connection.force_debug_cursor = True  # every SQL statement and its parameters, logged
    try:
        every_journey(alice, bob, phone_of)
    finally:
        connection.force_debug_cursor = False

    assert any(record.name == "django.db.backends" for record in caplog.records)
    for record in caplog.records:
        assert shows_a_pin(record.getMessage()) is None, record.getMessage()
        assert shows_a_pin(str(record.args)) is None, record.args


def test_pins_reach_no_session_row(alice, bob, fund, phone_of):
    fund(alice, 100_000)
    session_ids = every_journey(alice, bob, phone_of)

    sessions = UssdSession.objects.filter(session_id__in=session_ids)
    rows: list[dict[str, Any]] = [dict(row) for row in sessions.values()]
    assert len(rows) == len(session_ids)
    for row in rows:
        assert len(row.pop("last_text_digest")) == 64  # a keyed digest, not the text
        pin_hash = row["data"].pop("new_pin_hash", None)
        assert pin_hash is None or pin_hash.startswith("$argon2id$")
        for text in strings_in(row):
            assert shows_a_pin(text) is None, (row["session_id"], text)
    assert any(row["screen"] == "pin.confirm" for row in rows)


def test_pins_reach_no_end_of_session_row(db, client):
    for number, typed in enumerate(["1*0712000002*200*2468", "5*1*1357", "5*3*2468*3958*3958"]):
        client.post(
            EVENTS_URL,
            {
                "sessionId": f"ATUid_end_{number}",
                "phoneNumber": "+254712000001",
                "input": typed,
                "status": "Success",
                "lastAppResponse": "END Your PIN has been changed.",
            },
        )

    for row in UssdSessionEnd.objects.values():
        for text in strings_in(row):
            assert shows_a_pin(text) is None, text
