"""The Kiswahili catalog: complete, compiled, short enough for a screen, and found by Django.

CI machines have no gettext, so the compiled `django.mo` is committed next to the `.po`; a
test here fails when one was edited without compiling the other (`msgfmt` or
`manage.py compilemessages`).
"""

from __future__ import annotations

import ast
import gettext
import string
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from ussd.domain_messages import DOMAIN_MESSAGES
from wallets import errors

CATALOG = Path(settings.BASE_DIR) / "locale" / "sw" / "LC_MESSAGES"

# Long but real values for every placeholder a USSD message has.
LONG_VALUES = {
    "reference": "QK7T3M9XRA",
    "amount": "KES 249,999.99",
    "fee": "KES 9,999.99",
    "balance": "KES 499,999.99",
    "available": "KES 499,999.99",
    "name": "W" * 30,
    "phone": "+254712345678",
    "count": 2,
    "first_name": "W" * 30,
    "recipient_name": "W" * 30,
    "recipient": "+254712345678",
    "amount_text": "KES 249,999.99",
    "fee_text": "KES 9,999.99",
    "airtime_number": "0712345678",
    "minimum": "KES 5",
    "maximum": "KES 10,000",
    "sent_on": "24/11/26",
    "requester": "W" * 30,
    "note": "W" * 24 + "\n",
    "requests_text": "1. KES 249,999.99 " + "W" * 30,
    "sender_name": "W" * 20,
    "held_text": "KES 249,999.99",
    "deadline_text": "27/11 23:59",
    # compliance's dormancy SMS (in this catalog while compliance has none of its own)
    "service": "AgentNet",
    "since": "24/11/26",
    "deadline": "24/12/26",
    "months": 12,
    "id_number": "W" * 12,
    "born_text": "31/12/1999",
    "age": 18,
    "code": "*384*123#",
    "agent": "W" * 30,
    "minutes": 10,
    "float": "KES 9,999,999.99",
    "commission": "KES 999,999.99",
    "counted": "KES 999,999.99",
    "expected": "KES 999,999.99",
    "variance": "KES -999,999.99",
    "agent_name": "W" * 30,
    "store_number": "999999",
    "customer_name": "W" * 30,
    "customer_number": "0712345678",
    "operation_text": "Hamisha kamisheni",
    "operator": "MTN MoMo",
    "operator_name": "MTN MoMo",
    "phone_text": "0712345678",
    "mm_title": "Tuma kwa MTN MoMo yangu",
    "mm_text": "1. Ongeza kutoka M-Pesa",
    "float_operators_text": "1. M-Pesa\n2. MTN MoMo\n3. Airtel Money\n4. Telkom T-Kash",
    "n": 4,
    # Pay: merchants (their display name is cut to 25 on screens) and standing payments
    "merchant_name": "W" * 25,
    "point_number": "8888888",
    "account_reference": "W" * 20,
    "cap": "KES 249,999.99",
    "cap_text": "KES 249,999.99",
    "daily_text": "KES 249,999.99",
    "ends": "24/12/26",
    "ends_text": "24/12/26",
    "mandates_text": "1. " + "W" * 25 + " up to KES 249,999.99 (new)",
}


@dataclass
class Entry:
    msgid: str = ""
    plural: str = ""
    translations: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    obsolete: bool = False


def read_po(path: Path) -> list[Entry]:
    """A small reader for the .po format makemessages writes (no dependency for it)."""
    entries: list[Entry] = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        entry, target = Entry(), None
        for line in block.splitlines():
            if line.startswith("#~"):
                entry.obsolete = True
            elif line.startswith("#:"):
                entry.references += [ref.rsplit(":", 1)[0] for ref in line[2:].split()]
            elif line.startswith("#,"):
                entry.flags += [flag.strip() for flag in line[2:].split(",")]
            elif line.startswith(("msgid ", "msgid_plural ", "msgstr")):
                keyword, literal = line.split(" ", 1)
                target = keyword
                value = ast.literal_eval(literal)
                if keyword.startswith("msgstr"):
                    entry.translations.append(value)
                else:
                    setattr(entry, "plural" if keyword == "msgid_plural" else "msgid", value)
            elif line.startswith('"') and target:
                value = ast.literal_eval(line)
                if target.startswith("msgstr"):
                    entry.translations[-1] += value
                else:
                    attribute = "plural" if target == "msgid_plural" else "msgid"
                    setattr(entry, attribute, getattr(entry, attribute) + value)
        if entry.msgid or entry.obsolete:
            entries.append(entry)
    return entries


ENTRIES = read_po(CATALOG / "django.po")


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_django_finds_the_catalog_through_locale_paths():
    assert CATALOG.parent.parent in [Path(path) for path in settings.LOCALE_PATHS]
    with translation.override("sw"):
        assert translation.gettext("98. More") == "98. Zaidi"


def test_every_message_has_a_kiswahili_translation_and_none_is_fuzzy_or_obsolete():
    assert len(ENTRIES) > 50
    for entry in ENTRIES:
        assert not entry.obsolete, entry
        assert "fuzzy" not in entry.flags, entry.msgid
        assert entry.translations, entry.msgid
        assert all(text.strip() for text in entry.translations), entry.msgid


def test_the_sms_strings_are_left_to_the_sms_app_catalog():
    # LOCALE_PATHS wins over an app's own locale/, so an entry here would hide ussd/sms's.
    references = {reference for entry in ENTRIES for reference in entry.references}
    assert references
    assert not [reference for reference in references if reference.startswith("ussd/sms/")]


def test_the_committed_mo_file_is_compiled_from_the_po_file():
    with (CATALOG / "django.mo").open("rb") as compiled:
        catalog = gettext.GNUTranslations(compiled)
    for entry in ENTRIES:
        if entry.plural:
            assert catalog.ngettext(entry.msgid, entry.plural, 1) == entry.translations[0]
            assert catalog.ngettext(entry.msgid, entry.plural, 2) == entry.translations[1]
        else:
            assert catalog.gettext(entry.msgid) == entry.translations[0], entry.msgid
    keys = sum(len(entry.translations) for entry in ENTRIES) + 1  # a plural form each; header
    assert len(catalog._catalog) == keys  # type: ignore[attr-defined]  # nothing stale in it


def test_translations_keep_the_placeholders_and_plain_ascii():
    for entry in ENTRIES:
        for text in entry.translations:
            assert placeholders(text) == placeholders(entry.msgid), entry.msgid
            assert text.isascii(), text  # telcos cannot render other characters
            assert text == text.strip(), text


@pytest.mark.parametrize("language", [code for code, _ in settings.LANGUAGES])
def test_every_ussd_message_fits_a_screen_with_long_values(language):
    limit = settings.USSD_SCREEN_LIMIT
    with translation.override(language):
        for entry in ENTRIES:
            for count in (1, 2) if entry.plural else (None,):
                text = (
                    translation.ngettext(entry.msgid, entry.plural, count)
                    if count
                    else translation.gettext(entry.msgid)
                )
                filled = "END " + text.format_map(LONG_VALUES)
                assert len(filled) <= limit, (len(filled), filled)


def all_error_classes(root: type[errors.LedgerError]) -> list[type[errors.LedgerError]]:
    found: list[type[errors.LedgerError]] = []
    for subclass in root.__subclasses__():
        found += [subclass, *all_error_classes(subclass)]
    return found


def test_every_domain_error_message_is_in_the_catalog():
    classes: list[type[errors.LedgerError]] = [
        errors.LedgerError,
        *all_error_classes(errors.LedgerError),
    ]
    messages = {error.message for error in classes if error.__module__ == errors.__name__}
    assert messages == set(DOMAIN_MESSAGES)
    with translation.override("sw"):
        for message in messages:
            assert translation.gettext(message) != message, message
