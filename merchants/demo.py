"""The demo merchants, for `manage.py seed_demo`: a till, a pay-bill and a partner.

- Mama Mboga Grocers: till 512345, the micropayment fee schedule, told of payments by SMS;
- Nairobi Water: pay-bill 888880, account numbers "W" and six digits (W123456);
- Habari News: a partner on the micropayment schedule (pay-per-article), paid through the
  API (requests to pay, mandates) and at its kiosks' till 600600, with a partner API
  credential. Its secret is derived
  from a fixed salt, so with the development settings (no DJANGO_SECRET_KEY or
  PARTNER_SECRET_KEY set) it is the same on every machine and the README can show it;
  `seed_demo` prints it either way.

`seed()` is idempotent: merchants are looked up by name, numbers and the credential by
their own keys, before anything is created. All three are active (KYB is taken as done).
"""

from __future__ import annotations

from dataclasses import dataclass

from merchants import credentials, services
from merchants.models import BusinessStatus, Merchant, PartnerCredential, PointKind, Scope
from wallets.models.rules import TariffKind


@dataclass(frozen=True)
class DemoMerchant:
    name: str
    display_name: str
    phone: str
    fee_kind: str
    kind: str  # a PointKind, or "" for a partner without a till or pay-bill
    number: str
    account_pattern: str = ""
    notify_by_sms: bool = True


MERCHANTS = [
    DemoMerchant(
        "Mama Mboga Grocers", "Mama Mboga Grocers", "+254720500101",
        TariffKind.MERCHANT_MICRO, PointKind.TILL, "512345",
    ),
    DemoMerchant(
        "Nairobi Water", "Nairobi Water", "+254720500201", TariffKind.MERCHANT_STANDARD,
        PointKind.PAYBILL, "888880", account_pattern=r"W[0-9]{6}",
    ),
    # A partner paid through the API (requests to pay, mandates) and at its kiosks' till.
    DemoMerchant(
        "Habari News", "Habari News", "+254720500301", TariffKind.MERCHANT_MICRO,
        PointKind.TILL, "600600",
    ),
]  # fmt: skip

WHERE: dict[str, str] = {PointKind.TILL: "till", PointKind.PAYBILL: "pay-bill"}
PARTNER = "Habari News"
PARTNER_CLIENT_ID = "pk_demo-habari-news-0000001"
PARTNER_SALT = "demo-habari-news-salt"  # public on purpose: the demo secret derives from it
PARTNER_SCOPES = [
    Scope.MERCHANT_PAY,
    Scope.MANDATES,
    Scope.DISBURSEMENT,
    Scope.REVERSAL,
    Scope.ACCOUNT_NAME,
    Scope.BATCH,
]


def seed() -> list[str]:
    """Create the demo merchants and the partner credential where missing; return lines
    describing them, to print."""
    lines = ["Demo merchants:"]
    for entry in MERCHANTS:
        merchant = seed_merchant(entry)
        where = WHERE.get(entry.kind, "API")
        pattern = f" (account {entry.account_pattern})" if entry.account_pattern else ""
        lines.append(f"  {merchant.display_name:<20} {where} {entry.number}{pattern}")
    credential = seed_credential(Merchant.objects.get(name=PARTNER))
    lines.append(f"Partner API ({PARTNER}): client id {credential.client_id}")
    lines.append(f"  secret {credentials.secret_of(credential)}")
    return lines


def seed_merchant(entry: DemoMerchant) -> Merchant:
    merchant = Merchant.objects.filter(name=entry.name).first()
    if merchant is None:
        merchant = services.create_merchant(
            name=entry.name,
            display_name=entry.display_name,
            phone=entry.phone,
            fee_kind=entry.fee_kind,
            status=BusinessStatus.ACTIVE,
            notify_by_sms=entry.notify_by_sms,
        )
    if entry.number and not merchant.points.filter(number=entry.number).exists():
        services.add_payment_point(
            merchant=merchant,
            kind=entry.kind,
            number=entry.number,
            account_pattern=entry.account_pattern,
        )
    return merchant


def seed_credential(merchant: Merchant) -> PartnerCredential:
    credential = PartnerCredential.objects.filter(client_id=PARTNER_CLIENT_ID).first()
    if credential is None:
        credential = PartnerCredential(
            merchant=merchant,
            client_id=PARTNER_CLIENT_ID,
            label="demo",
            scopes=sorted(PARTNER_SCOPES),
        )
        credentials.assign_new_secret(credential, salt=PARTNER_SALT)
        credential.full_clean()
        credential.save()
    return credential
