"""The round trips of the ledger's hot paths (issue 8), pinned: a change that adds a query
to every posting shows up here, not only in `make bench`."""

from __future__ import annotations

from tests.conftest import new_key, send_request, statements_of
from wallets import services
from wallets.models import AccountKind


def test_sending_money_is_one_statement(alice, bob, fund):
    fund(alice, 100_000)
    services.house_account(AccountKind.FEE_INCOME, "KES")

    def send() -> None:
        services.send_money(sender=alice, recipient=bob, amount=1_000, idempotency_key=new_key())

    sent = statements_of(send)

    assert len(sent) == 1
    assert "FROM wallets_post(" in sent[0]


def test_postings_sent_together_are_one_statement(alice, bob, carol, fund):
    fund(alice, 100_000)
    requests = [send_request(alice, to, 1_000) for to in (bob, carol, bob)]

    def post() -> None:
        with services.one_commit():
            services.post_together(requests)

    sent = statements_of(post)

    assert len(sent) == 1
    assert "3 pipelined" in sent[0]
