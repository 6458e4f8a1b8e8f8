"""Create the demo network: `wallets.demo` (customers, money, a staff login, an API token) and
`agents.demo` (an aggregator, agents, stores and their assistants).

Idempotent: people are looked up by phone or username before they are created, and money
moves through `wallets.services` with fixed idempotency keys, so a second run posts nothing
and changes nothing (not even a PIN or password changed since the first run).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from rest_framework.authtoken.models import Token

from agents import demo as agents_demo
from backoffice import demo as backoffice_demo
from compliance import demo as compliance_demo
from merchants import demo as merchants_demo
from operators import demo as operators_demo
from wallets import demo, services
from wallets.models import Channel, Customer, TierLimit
from wallets.models.customers import IdType
from wallets.money import format_amount

ROW = "  {:<14} {:<17} {:<6} {:<4}  {}"


class Command(BaseCommand):
    help = "Create the demo customers, balances, staff login and API token (safe to re-run)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--callback-base-url",
            default="http://127.0.0.1:8000",
            help="Where the simulated operators call back (make run's web address).",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even with DEBUG off (the demo password and token are public).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "seed_demo creates a public password and API token; it runs only with"
                " DJANGO_DEBUG on, or with --force."
            )
        new = sum(seed_customer(customer) for customer in demo.CUSTOMERS)
        for transfer in demo.TRANSFERS:
            seed_transfer(transfer)
        for payment_request in demo.PAYMENT_REQUESTS:
            seed_payment_request(payment_request)
        open_self_registration()
        staff_created = seed_staff()
        token = seed_partner()
        network_lines = agents_demo.seed() + operators_demo.seed(options["callback_base_url"])
        network_lines += backoffice_demo.seed()  # one staff login per back-office group
        network_lines += compliance_demo.seed()
        network_lines += merchants_demo.seed()  # a till, a pay-bill, a partner's API key
        self.print_summary(new, staff_created, token)
        for line in network_lines:
            self.stdout.write(line)

    def print_summary(self, new: int, staff_created: bool, token: Token) -> None:
        write = self.stdout.write
        write(f"Demo network: {len(demo.CUSTOMERS)} customers ({new} new this run)")
        write(ROW.format("phone", "name", "tier", "PIN", "balance"))
        for entry in demo.CUSTOMERS:
            wallet = Customer.objects.get(phone=entry.phone).wallet(demo.CURRENCY)
            balance = format_amount(wallet.balance, wallet.currency)
            write(ROW.format(entry.phone, entry.name, entry.kyc_tier, entry.pin, balance))
        login = f"{demo.STAFF_USERNAME} / {demo.STAFF_PASSWORD}"
        if not staff_created:
            login += " (existing user: password unchanged)"
        write(f"Staff login (/admin/): {login}")
        write(f"API client {demo.PARTNER_USERNAME}: Authorization: Token {token.key}")


def seed_customer(entry: demo.DemoCustomer) -> bool:
    """Register, set the PIN and fund one demo customer, each only if not done; True if new."""
    customer = Customer.objects.filter(phone=entry.phone).first()
    created = customer is None
    if customer is None:
        customer = services.register_customer(
            phone=entry.phone,
            name=entry.name,
            kyc_tier=entry.kyc_tier,
            id_type=IdType.NATIONAL_ID if entry.id_number else "",
            id_number=entry.id_number,
            date_of_birth=entry.date_of_birth,
            currency=demo.CURRENCY,
        )
    if not customer.has_pin:  # a PIN changed while trying the demo is kept
        services.set_pin(customer, entry.pin)
    if entry.funding:
        services.fund_from_issuance(
            wallet=customer.wallet(demo.CURRENCY),
            amount=entry.funding,
            idempotency_key=demo.fund_key(entry.phone),
            initiator="seed_demo",
        )
    return created


def seed_transfer(transfer: demo.DemoTransfer) -> None:
    services.send_money(
        sender=Customer.objects.get(phone=transfer.sender).wallet(demo.CURRENCY),
        recipient=Customer.objects.get(phone=transfer.recipient).wallet(demo.CURRENCY),
        amount=transfer.amount,
        idempotency_key=demo.transfer_key(transfer),
        channel=Channel.SYSTEM,
        initiator="seed_demo",
    )


def seed_payment_request(entry: demo.DemoPaymentRequest) -> None:
    requester = Customer.objects.get(phone=entry.requester)
    services.request_payment(
        requester=requester.wallet(demo.CURRENCY),
        requester_name=requester.name,
        payer=Customer.objects.get(phone=entry.payer),
        amount=entry.amount,
        idempotency_key=demo.payment_request_key(entry),
        note=entry.note,
    )


def open_self_registration() -> None:
    """Let new numbers register themselves at the demo's tier (its limits row in force)."""
    current = (
        TierLimit.objects.filter(
            tier=demo.SELF_REGISTRATION_TIER,
            currency=demo.CURRENCY,
            effective_from__lte=timezone.now(),
        )
        .order_by("-effective_from")
        .first()
    )
    if current is not None and not current.open_by_phone:
        current.open_by_phone = True
        current.save(update_fields=["open_by_phone"])


def seed_staff() -> bool:
    """Create the demo superuser if the username is free; True if created."""
    users = get_user_model()
    if users.objects.filter(username=demo.STAFF_USERNAME).exists():
        return False
    users.objects.create_superuser(demo.STAFF_USERNAME, demo.STAFF_EMAIL, demo.STAFF_PASSWORD)
    return True


def seed_partner() -> Token:
    """The demo API client and its token (the fixed demo value when first created)."""
    user, created = get_user_model().objects.get_or_create(username=demo.PARTNER_USERNAME)
    if created:
        user.set_unusable_password()  # it authenticates with its token only
        user.save(update_fields=["password"])
    user.user_permissions.add(Permission.objects.get(codename="read_wallets_by_api"))
    token, _ = Token.objects.get_or_create(user=user, defaults={"key": demo.PARTNER_TOKEN})
    return token
