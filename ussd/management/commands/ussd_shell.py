"""`manage.py ussd_shell <phone>`: dial the USSD menu from a terminal.

It runs the same hop handler as the Africa's Talking callback, one session per dial. Type a
reply and press Enter; an empty line after an END dials again; Ctrl-D quits.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ussd.sessions import Hop, handle_hop
from wallets.errors import InvalidPhoneNumber
from wallets.phones import normalize_phone


class Command(BaseCommand):
    help = "Use the USSD menu from the terminal as the given phone."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("phone")

    def handle(self, *args: Any, phone: str, **options: Any) -> None:
        try:
            number = normalize_phone(phone)
        except InvalidPhoneNumber as error:
            raise CommandError(error.text) from None
        while True:
            self.stdout.write(f"\nDialling {settings.USSD_SERVICE_CODE} as {number}")
            session = f"SHELL_{uuid.uuid4().hex[:12]}"
            inputs: list[str] = []
            while True:
                reply, _label = handle_hop(
                    Hop(session, number, settings.USSD_SERVICE_CODE, "99999", "*".join(inputs))
                )
                self.stdout.write(reply[4:])
                if reply.startswith("END "):
                    break
                try:
                    inputs.append(input("> ").strip())
                except EOFError:
                    return
            try:
                input("(Enter to dial again, Ctrl-D to quit) ")
            except EOFError:
                return
