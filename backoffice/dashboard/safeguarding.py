"""E-money outstanding against what backs it: live, and at the latest stored check.

The stored `operators.SafeguardingCheck` is the signed record (every minute under beat); the
live column recomputes the same two comparisons from the balances right now and the trust
banks' latest declared statements, so the page is current even between checks.
"""

from __future__ import annotations

from dataclasses import dataclass

from backoffice.dashboard.ledger import Outstanding
from backoffice.dashboard.operations import TrustDeclared
from backoffice.dashboard.tiles import Money, Tile
from operators.models import SafeguardingCheck


@dataclass(frozen=True)
class Cover:
    live: Outstanding
    declared: TrustDeclared | None
    check: SafeguardingCheck | None

    @property
    def trust_surplus(self) -> int | None:
        """Trust banks plus money at operators, less e-money (negative: short)."""
        if self.declared is None:
            return None
        return self.declared.total + self.live.at_operators - self.live.e_money

    @property
    def live_shortfall(self) -> int:
        """The largest gap, as the safeguarding check computes it (0 when covered)."""
        gaps = [self.live.e_money - self.live.ledger_backing]
        if self.trust_surplus is not None:
            gaps.append(-self.trust_surplus)
        return max(0, *gaps)


def trust_tile(cover: Cover, money: Money, link: str) -> Tile:
    surplus = cover.trust_surplus
    if surplus is None or cover.declared is None:
        return Tile("Trust cover", "not known", "no trust bank statement entered yet", link, "warn")
    note = f"banks as of {cover.declared.oldest:%-d %b %Y}, plus money at operators"
    if surplus < 0:
        return Tile("Trust cover", f"short {money(-surplus)}", note, link, "alert")
    return Tile("Trust cover", f"surplus {money(surplus)}", note, link, "good")


def rows(cover: Cover, money: Money) -> list[tuple[str, str, str]]:
    """(figure, live now, at the latest stored check) for the safeguarding table."""
    live = cover.live

    def shown(amount: int | None) -> str:
        return "-" if amount is None else money(amount)

    def at_check(field: str) -> str:
        return "-" if cover.check is None else shown(getattr(cover.check, field))

    declared = None if cover.declared is None else cover.declared.total
    return [
        ("E-money outstanding", money(live.e_money), at_check("e_money")),
        ("Ledger backing", money(live.ledger_backing), at_check("ledger_backing")),
        ("Held at operators", money(live.at_operators), at_check("at_operators")),
        ("Trust banks (declared)", shown(declared), at_check("bank_declared")),
        ("Shortfall", money(cover.live_shortfall), at_check("shortfall")),
    ]
