"""The dashboard's figures, formatted for the template.

`read` runs each query of `ledger` and `operations` once (a fixed number, whatever the data);
`build` turns the figures into tiles, tables and charts. Money is formatted here with
`wallets.money`, so the template only places text.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from backoffice.dashboard import ledger, operations, plots, safeguarding
from backoffice.dashboard.links import AdminLinks
from backoffice.dashboard.tiles import Money, Tile, count
from wallets.money import format_amount

SMS_STATES = [
    ("queued", "Queued"),
    ("sent", "Sent, awaiting a delivery report"),
    ("delivered", "Delivered"),
    ("undeliverable", "Undeliverable"),
    ("failed", "Failed to send"),
]


@dataclass(frozen=True)
class Figures:
    """Everything the page shows, read once for one currency and one local day."""

    currency: str
    today: datetime.date
    currencies: list[str]
    by_kind: list[ledger.KindFigures]
    earned: ledger.Earnings
    trend: list[ledger.DayFigures]
    cover: safeguarding.Cover
    breaks: operations.BreakCounts
    alerts: operations.AlertCounts
    low_float: operations.LowFloat
    sms: operations.SmsFigures

    def money(self, amount: int) -> str:
        return format_amount(amount, self.currency)

    @property
    def transactions(self) -> int:
        return sum(row.count for row in self.by_kind)

    @property
    def value(self) -> int:
        return sum(row.value for row in self.by_kind)


def read(requested_currency: str | None) -> Figures:
    """The figures for the requested currency if we hold any of it, else the default one."""
    today = timezone.localdate()
    outstanding = ledger.outstanding_by_currency()
    currency = requested_currency if requested_currency in outstanding else None
    currency = currency or settings.DEFAULT_CURRENCY
    live = outstanding.get(currency, ledger.Outstanding(currency, 0, 0, 0))
    return Figures(
        currency=currency,
        today=today,
        currencies=list(outstanding),
        by_kind=ledger.volume_by_kind(currency, today),
        earned=ledger.earnings(currency, today),
        trend=ledger.daily_trend(currency, today),
        cover=safeguarding.Cover(
            live,
            operations.trust_declared(currency),
            operations.latest_safeguarding_check(currency),
        ),
        breaks=operations.open_breaks(),
        alerts=operations.open_compliance_alerts(),
        low_float=operations.low_float_agents(currency),
        sms=operations.sms_by_state(today),
    )


def build(requested_currency: str | None, links: AdminLinks) -> dict[str, Any]:
    """The template's context: the figures, with links to the admin pages the user may open."""
    figures = read(requested_currency)
    money = figures.money
    return {
        "today": figures.today,
        "currency": figures.currency,
        "currencies": figures.currencies if len(figures.currencies) > 1 else [],
        "tiles": tiles(figures, links),
        **by_kind_section(figures),
        "trend": [
            {"day": day.day, "count": count(day.count), "value": money(day.value)}
            for day in figures.trend
        ],
        "trend_value_chart": plots.value_per_day(
            figures.trend, figures.currency, money, figures.today
        ),
        "trend_count_chart": plots.count_per_day(figures.trend, figures.today),
        "safeguarding": safeguarding.rows(figures.cover, money),
        "check": figures.cover.check,
        "low_float": low_float_rows(figures.low_float, money, links),
        "low_float_more": figures.low_float.total - len(figures.low_float.shown),
        "sms": [(label, count(figures.sms.count(state))) for state, label in SMS_STATES],
        "sms_total": count(figures.sms.total),
        "links": {
            "exports": reverse("backoffice:exports"),
            "transactions": links.changelist("wallets", "transaction"),
            "safeguarding": links.changelist("operators", "safeguardingcheck"),
            "sms": links.changelist("sms", "smsmessage"),
        },
    }


def tiles(figures: Figures, links: AdminLinks) -> list[Tile]:
    money, earned = figures.money, figures.earned
    breaks, low_float = figures.breaks, figures.low_float
    return [
        Tile("Transactions today", count(figures.transactions), f"worth {money(figures.value)}"),
        Tile(
            "Fees earned today",
            money(earned.fees_earned),
            f"{money(earned.fees_charged)} charged, {money(earned.fees_refunded)} refunded",
        ),
        Tile(
            "Commissions today",
            money(earned.commissions),
            f"net fee income {money(earned.net_fee_income)}",
        ),
        e_money_tile(figures.cover.live, money),
        safeguarding.trust_tile(
            figures.cover, money, links.changelist("operators", "safeguardingcheck")
        ),
        Tile(
            "Open reconciliation breaks",
            count(breaks.total),
            f"{count(breaks.proposed)} waiting for approval",
            links.changelist("operators", "break", "state__in=open,proposed"),
            "warn" if breaks.total else "good",
        ),
        alerts_tile(
            figures.alerts, links.changelist("compliance", "alert", "state__in=open,assigned")
        ),
        Tile(
            "Agents low on float",
            count(low_float.total),
            "active agents below their alert threshold",
            links.changelist("agents", "agent", "liquidity=low_float&status__exact=active"),
            "warn" if low_float.total else "good",
        ),
        sms_tile(figures.sms, links.changelist("sms", "smsmessage")),
    ]


def e_money_tile(live: ledger.Outstanding, money: Money) -> Tile:
    covered = live.ledger_backing >= live.e_money
    return Tile(
        "E-money outstanding",
        money(live.e_money),
        f"ledger backing {money(live.ledger_backing)} (live)",
        tone="" if covered else "alert",
    )


def alerts_tile(alerts: operations.AlertCounts, link: str) -> Tile:
    tone = "alert" if alerts.overdue else "warn" if alerts.open else "good"
    note = f"{count(alerts.overdue)} past their deadline"
    return Tile("Open compliance alerts", count(alerts.open), note, link, tone)


def sms_tile(sms: operations.SmsFigures, link: str = "") -> Tile:
    waiting = sms.count("sent") + sms.count("queued")
    note = f"{count(sms.settled)} with a known outcome, {count(waiting)} waiting"
    rate = sms.delivery_rate
    if rate is None:
        return Tile("SMS delivered today", "n/a", note, link)
    return Tile("SMS delivered today", f"{rate}%", note, link, "good" if rate >= 95 else "warn")


def by_kind_section(figures: Figures) -> dict[str, Any]:
    money, by_kind = figures.money, figures.by_kind
    return {
        "by_kind": [
            {
                "label": row.label,
                "count": count(row.count),
                "value": money(row.value),
                "fees": money(row.fees),
            }
            for row in by_kind
        ],
        "by_kind_total": {
            "count": count(figures.transactions),
            "value": money(figures.value),
            "fees": money(sum(row.fees for row in by_kind)),
        },
        "by_kind_chart": plots.value_by_kind(by_kind, figures.currency, money) if by_kind else None,
    }


def low_float_rows(
    low_float: operations.LowFloat, money: Money, links: AdminLinks
) -> list[dict[str, str]]:
    return [
        {
            "link": links.change("agents", "agent", agent.pk),
            "agent": f"{agent.agent_number} {agent.business_name}",
            "float": money(agent.float_balance),
            "threshold": money(agent.threshold),
            "shortfall": money(agent.shortfall),
        }
        for agent in low_float.shown
    ]
