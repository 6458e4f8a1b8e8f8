"""Whatever arrives, the callback answers 200 with a screen that fits, or 400/403; never 500.

Money moves only when a PIN was typed: a request whose `text` holds neither Alice's PIN
(2468) nor Bob's (1357) as a token leaves the number of transactions unchanged.
"""

from __future__ import annotations

import itertools

from django.conf import settings
from django.test import Client
from hypothesis import HealthCheck, event, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from tests.ussd.conftest import HOP_URL
from wallets.models import Transaction

PINS = ("2468", "1357")  # Alice's and Bob's
PHONES = ["+254712000001", "254712000002", "0712000001", "+254712999999", "", "alice", "+1"]
TOKENS = ["1", "5", "0", "00", "98", "2", "3", "4", "0712000002", "0712000001", "200", *PINS]
# Any characters a form can carry (lone surrogates cannot be encoded in a request at all).
CHARACTERS = st.characters(exclude_categories=["Cs"])
ANY_TEXT = st.text(CHARACTERS, max_size=50)

# Start part of the way into a journey often, so that random input reaches every screen.
STARTS = ["", "1", "1*0712000002", "1*0712000002*200", "5", "5*1", "5*2", "5*3", "5*3*2468", "5*4"]
MISSING = object()

tokens = st.one_of(
    st.sampled_from(TOKENS),
    st.just(""),
    ANY_TEXT,
    st.text("0123456789*", min_size=40, max_size=90),
)


def journeys(min_size: int = 0) -> st.SearchStrategy[list[str]]:
    return st.tuples(st.sampled_from(STARTS), st.lists(tokens, min_size=min_size, max_size=8)).map(
        lambda parts: [*filter(None, parts[0].split("*")), *parts[1]]
    )


texts = st.one_of(
    journeys().map("*".join),
    st.text(CHARACTERS, min_size=400, max_size=700),
)


def mostly(good: st.SearchStrategy, *bad: st.SearchStrategy) -> st.SearchStrategy:
    """A valid value five times in six; otherwise a bad one or the field left out."""
    worse = st.one_of(*bad, st.just(MISSING))
    return st.sampled_from([True] * 5 + [False]).flatmap(lambda ok: good if ok else worse)


fields = st.fixed_dictionaries(
    {
        "sessionId": mostly(st.sampled_from(["ATUid_f1", "ATUid_f2", "ATUid_f3"]), ANY_TEXT),
        "phoneNumber": mostly(st.sampled_from(PHONES[:3]), st.sampled_from(PHONES), ANY_TEXT),
        "serviceCode": mostly(st.just("*384#"), ANY_TEXT),
        "networkCode": mostly(st.just("63902"), ANY_TEXT),
        "text": mostly(texts, ANY_TEXT),
    }
).map(lambda form: {name: value for name, value in form.items() if value is not MISSING})
_walks = itertools.count(1)
tokens_in_url = st.sampled_from([settings.USSD_CALLBACK_TOKEN] * 5 + ["x", "dev-"])


def typed_a_pin(text: str) -> bool:
    return any(token.strip() in PINS for token in text.split("*"))


@hypothesis_settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(form=fields, url_token=tokens_in_url)
def test_any_request_gets_a_fitting_screen_or_a_4xx_and_no_money_moves_without_the_pin(
    alice, bob, fund, form, url_token
):
    if not Transaction.objects.filter(kind="fund").exists():
        fund(alice, 1_000_000)
    before = Transaction.objects.count()

    response = Client().post(HOP_URL.replace(settings.USSD_CALLBACK_TOKEN, url_token), form)

    assert response.status_code in (200, 400, 403), response.content
    event(f"HTTP {response.status_code}")
    if response.status_code == 200:
        body = response.content.decode()
        event(body[:3])
        assert body.startswith(("CON ", "END ")), body
        assert len(body) <= settings.USSD_SCREEN_LIMIT, body
    if not typed_a_pin(form.get("text", "")):
        assert Transaction.objects.count() == before


@hypothesis_settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(inputs=journeys(min_size=1))
def test_a_session_typed_hop_by_hop_always_shows_a_fitting_screen(alice, bob, fund, inputs):
    """One session, hop by hop, as a person would type: every reply is a valid screen."""
    if not Transaction.objects.filter(kind="fund").exists():
        fund(alice, 1_000_000)
    before = Transaction.objects.count()
    client, session_id = Client(), f"ATUid_walk_{next(_walks)}"
    for hop in range(len(inputs) + 1):
        text = "*".join(inputs[:hop])
        response = client.post(
            HOP_URL, {"sessionId": session_id, "phoneNumber": "+254712000001", "text": text}
        )
        if len(text) > 500 or "\x00" in text:
            assert response.status_code == 400
            break
        body = response.content.decode()
        event(f"reached {response['at-ussd-hop-metadata']}")
        assert response.status_code == 200, body
        assert body.startswith(("CON ", "END ")), body
        assert len(body) <= settings.USSD_SCREEN_LIMIT, body
        if body.startswith("END "):
            break
    if not any(typed_a_pin(token) for token in inputs):
        assert Transaction.objects.count() == before
