"""Data for the report tests: staff with the reports permissions, and ledger volume.

Volume is posted by the ledger's own posting function, `wallets_post` (the call
`wallets.services.send_money` makes), looped inside PostgreSQL with generate_series: every
check, fee, limit, hash-chain link and outbox row happens as in production, and 10,000
postings take seconds instead of a minute of Python round trips.

`posted_days_ago` moves the database's clock for the postings made inside it, so a test can
have yesterday's and last week's transactions without editing a row: `now()` resolves to a
function in a `test_clock` schema placed before pg_catalog on the search path (transaction
local; the test's rollback removes the schema).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from contextlib import contextmanager

from django.contrib.auth.models import Group, Permission, User
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.utils import timezone

from tests.conftest import make_customer, new_key
from wallets import services
from wallets.models import Account, AccountKind

KES = 100

SEND_LOOP = """
SELECT count(*) FROM generate_series(1, %(count)s) g
 CROSS JOIN LATERAL (
     SELECT (%(senders)s::bigint[])[1 + g %% cardinality(%(senders)s::bigint[])] AS s,
            (%(recipients)s::bigint[])[1 + g %% cardinality(%(recipients)s::bigint[])] AS r,
            (%(base)s + (g %% 50) * %(step)s)::bigint AS amount) x
 CROSS JOIN LATERAL wallets_post(
     'send_money', %(tag)s || ':' || g, md5(%(tag)s || g),
     translate(upper(substr(md5(%(tag)s || g || random()::text), 1, 10)), '01', 'GH'),
     'KES', 'ussd', %(initiator)s,
     jsonb_build_object('sender_account', x.s, 'recipient_account', x.r), x.amount,
     ARRAY[x.s], ARRAY[x.r], ARRAY[x.amount], 'send_money', x.s, NULL, x.s, true, NULL, NULL,
     %(today)s::date, %(month)s::date, NULL, NULL, NULL) posted
"""


def reports_permission(codename: str) -> Permission:
    """The model-less `backoffice.<codename>` permission (the roles migration makes it too)."""
    found = Permission.objects.filter(content_type__app_label="backoffice", codename=codename)
    if permission := found.first():
        return permission
    content_type, _ = ContentType.objects.get_or_create(app_label="backoffice", model="reports")
    return Permission.objects.create(codename=codename, name=codename, content_type=content_type)


def staff_user(username: str, *codenames: str) -> User:
    """An active staff member in a group holding the given reports permissions."""
    user = User.objects.create_user(username, password="x-Pass-2468", is_staff=True)
    if codenames:
        group, _ = Group.objects.get_or_create(name=f"reports-{'-'.join(codenames)}")
        group.permissions.add(*(reports_permission(codename) for codename in codenames))
        user.groups.add(group)
    return user


def funded_wallets(count: int, *, prefix: str, funding: int) -> list[Account]:
    """`count` tier-1 customers (phones +2547<prefix>NNNNNN), each funded through the services."""
    wallets = []
    for index in range(count):
        customer = make_customer(f"+2547{prefix}{index:06d}", f"Customer {prefix}{index:04d}")
        wallet = customer.wallet()
        if funding:
            services.fund_from_issuance(wallet=wallet, amount=funding, idempotency_key=new_key())
        wallets.append(wallet)
    return wallets


def post_sends(
    count: int,
    *,
    senders: list[Account],
    recipients: list[Account],
    base: int = 100 * KES,
    step: int = 37 * KES,
    initiator: str = "",
) -> int:
    """`count` send-money postings through `wallets_post`, amounts cycling from `base` in
    steps of `step`; returns how many were posted."""
    services.house_account(AccountKind.FEE_INCOME, "KES")  # as the first posting would open it
    today = db_today()
    with connection.cursor() as cursor:
        cursor.execute(
            SEND_LOOP,
            {
                "count": count,
                "senders": [wallet.pk for wallet in senders],
                "recipients": [wallet.pk for wallet in recipients],
                "base": base,
                "step": step,
                "tag": new_key("bulk"),
                "initiator": initiator,
                "today": today,
                "month": today.replace(day=1),
            },
        )
        (posted,) = cursor.fetchone()
    return int(posted)


def db_today() -> datetime.date:
    """The local date of the database's clock (moved by `posted_days_ago`)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT now()")
        (moment,) = cursor.fetchone()
    return timezone.localdate(moment)


@contextmanager
def posted_days_ago(days: int) -> Iterator[None]:
    """Postings made inside are dated `days` days before now."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW search_path")
        (previous,) = cursor.fetchone()
        cursor.execute("CREATE SCHEMA IF NOT EXISTS test_clock")
        cursor.execute(
            "CREATE OR REPLACE FUNCTION test_clock.now() RETURNS timestamptz LANGUAGE sql STABLE"
            " AS $$ SELECT pg_catalog.now()"
            " - make_interval(days => current_setting('test_clock.days_ago')::int) $$"
        )
        cursor.execute("SELECT set_config('test_clock.days_ago', %s, true)", [str(days)])
        cursor.execute(f"SET LOCAL search_path = test_clock, pg_catalog, {previous}")
    yield
    # (After an error the test's rollback ends the SET LOCAL; a reset would only fail again.)
    with connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL search_path = {previous}")
