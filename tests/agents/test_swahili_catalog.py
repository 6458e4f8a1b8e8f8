"""The agents' Kiswahili catalog: complete, compiled from the .po, and every SMS fits one
message in both languages. (CI has no gettext, so the .mo is committed next to the .po.)"""

from __future__ import annotations

import ast
import gettext
import string
from pathlib import Path

import pytest
from django.utils import translation
from django.utils.functional import Promise

from agents import errors, texts
from ussd.sms.encoding import SINGLE_GSM7, gsm7_length, is_gsm7
from wallets.errors import LedgerError

CATALOG = Path(errors.__file__).parent / "locale" / "sw" / "LC_MESSAGES"


def read_po(path: Path) -> list[tuple[str, list[str], list[str]]]:
    """(msgid, translations, flags) per entry of the .po file makemessages writes."""
    entries = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        msgid, translations, flags, target = "", [], [], ""
        for line in block.splitlines():
            if line.startswith("#,"):
                flags += [flag.strip() for flag in line[2:].split(",")]
            elif line.startswith(("msgid", "msgstr")):
                target, literal = line.split(" ", 1)
                if target.startswith("msgstr"):
                    translations.append(ast.literal_eval(literal))
                elif target == "msgid":
                    msgid = ast.literal_eval(literal)
            elif line.startswith('"') and target.startswith("msgstr"):
                translations[-1] += ast.literal_eval(line)
            elif line.startswith('"') and target == "msgid":
                msgid += ast.literal_eval(line)
        if msgid:
            entries.append((msgid, translations, flags))
    return entries


ENTRIES = read_po(CATALOG / "django.po")


def names(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_entry_is_translated_keeps_its_placeholders_and_is_plain_ascii():
    assert len(ENTRIES) > 30
    for msgid, translations, flags in ENTRIES:
        assert "fuzzy" not in flags, msgid
        assert translations, msgid
        for text in translations:
            assert text.strip() == text != "", msgid
            assert names(text) == names(msgid), msgid
            assert text.isascii(), text


def test_the_committed_mo_file_is_compiled_from_the_po_file():
    with (CATALOG / "django.mo").open("rb") as compiled:
        catalog = gettext.GNUTranslations(compiled)
    for msgid, translations, _ in ENTRIES:
        assert catalog.gettext(msgid) == translations[0], msgid
    keys = sum(len(translations) for _, translations, _ in ENTRIES) + 1  # plus the header
    assert len(catalog._catalog) == keys  # type: ignore[attr-defined]  # nothing stale in it


def test_every_agent_error_message_is_in_the_catalog_and_translated():
    classes = [
        value
        for value in vars(errors).values()
        if isinstance(value, type)
        and issubclass(value, LedgerError)
        and value.__module__ == errors.__name__
    ]
    messages = {cls.message for cls in classes if "message" in vars(cls)}
    assert len(messages) > 15
    assert messages <= {msgid for msgid, _, _ in ENTRIES}
    with translation.override("sw"):
        assert errors.describe(errors.WrongCode(2)) == (
            "Nambari ya kutoa pesa si sahihi. Umebakiza majaribio 2."
        )
        assert errors.describe(errors.CodeUsed()) == "Nambari hii ya kutoa pesa imeshatumika."


LONG = {
    "reference": "QK7T3M9XRA",
    "amount": "KES 249,999.99",
    "fee": "KES 309",
    "balance": "KES 499,999.99",
    "commission": "KES 9,999.99",
    "counterparty": "WANJIKU NYAMBURA 0712345678",  # names are cut to fit by the renderer
    "date": "24/11/26",
    "time": "12:05 PM",
    "number": "123456",
    "agent_number": "100201",
    "store_number": "123456",
    "threshold": "KES 100,000",
    "cash": "KES 99,999.99",
    "name": "WANJIKU",
    "operator": "Airtel Money",
    "phone": "0712345678",
    "code": "*384#",
    "month": "11/2026",
    "cash_in_count": 999,
    "cash_out_count": 999,
    "cash_in": "KES 99,999.99",
    "cash_out": "KES 99,999.99",
    "total": "KES 199,999.98",
    "withheld": "KES 9,999.99",
}


@pytest.mark.parametrize("language", ["en", "sw"])
def test_every_sms_fits_one_gsm7_message_with_long_values(language):
    templates = [value for value in vars(texts).values() if isinstance(value, Promise)]
    assert len(templates) == 16
    with translation.override(language):
        for template in templates:
            text = str(template).format_map(LONG)
            assert is_gsm7(text), text
            assert gsm7_length(text) <= SINGLE_GSM7, (gsm7_length(text), text)
