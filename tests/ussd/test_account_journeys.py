"""My account: balance, mini statement, change PIN and language, in English and Kiswahili."""

from __future__ import annotations

from django.utils.timezone import localtime

from tests.conftest import new_key
from tests.ussd.conftest import home_screen
from wallets import services
from wallets.models import Customer, Transaction


def test_a_customer_reads_the_balance_after_the_pin(alice, fund, phone_of):
    fund(alice, 123_450)
    phone = phone_of(alice)

    assert phone.dial("5") == (
        "CON My account\n1. Balance\n2. Mini statement\n3. Change PIN\n4. Language\n"
        "5. Reverse a transaction\n6. Pending requests\n0. Back"
    )
    assert phone.type("1") == "CON Balance\nEnter PIN\n0. Back"
    assert phone.type("2468") == "END Balance KES 1,234.50. Available KES 1,234.50."


def test_the_balance_reads_in_kiswahili(alice, fund, phone_of):
    fund(alice, 123_450)
    phone = phone_of(alice, language="sw")

    assert phone.dial("5") == (
        "CON Akaunti yangu\n1. Salio\n2. Taarifa fupi\n3. Badilisha PIN\n4. Lugha\n"
        "5. Rejesha muamala\n6. Maombi yanayosubiri\n0. Rudi"
    )
    assert phone.type("1") == "CON Salio\nWeka PIN\n0. Rudi"
    assert phone.type("2468") == ("END Salio KES 1,234.50. Salio linalopatikana KES 1,234.50.")


def statement_rows(alice, bob, fund) -> tuple[str, str, str]:
    """Fund KES 1,000, send KES 200 (fee 7): the references and the day as the menu shows it."""
    funded = fund(alice, 100_000)
    sent = services.send_money(
        sender=alice, recipient=bob, amount=20_000, idempotency_key=new_key("send")
    )
    return funded.reference, sent.reference, f"{localtime(sent.created_at):%d/%m}"


def test_the_mini_statement_lists_the_last_postings_newest_first(alice, bob, fund, phone_of):
    funded, sent, day = statement_rows(alice, bob, fund)
    phone = phone_of(alice)

    assert phone.dial("5", "2") == "CON Mini statement\nEnter PIN\n0. Back"
    assert phone.type("2468") == (
        f"END {sent} {day} -7\n{sent} {day} -200\n{funded} {day} +1,000\nBalance KES 793"
    )


def test_the_mini_statement_reads_in_kiswahili(alice, bob, fund, phone_of):
    _, sent, day = statement_rows(alice, bob, fund)
    phone = phone_of(bob, language="sw")

    assert phone.dial("5", "2") == "CON Taarifa fupi\nWeka PIN\n0. Rudi"
    assert phone.type("1357") == f"END {sent} {day} +200\nSalio KES 200"


def test_an_empty_mini_statement_says_so(alice, phone_of):
    assert phone_of(alice).dial("5", "2", "2468") == "END No transactions yet."
    assert phone_of(alice, language="sw").dial("5", "2", "2468") == "END Bado hakuna miamala."


def test_a_mini_statement_of_big_amounts_shows_fewer_rows_to_fit_one_screen(alice, fund, phone_of):
    for _ in range(5):
        fund(alice, 9_999_999)  # KES 99,999.99, five times: near the KES 500,000 cap

    statement = phone_of(alice).dial("5", "2", "2468")
    assert len(statement) <= 160
    rows = statement.removeprefix("END ").split("\n")
    assert rows[-1] == "Balance KES 499,999.95"
    assert len(rows) == 1 + 4  # the oldest funding is left out
    assert all(row.endswith("+99,999.99") for row in rows[:-1])


def test_a_customer_changes_the_pin_through_every_refusal(alice, fund, phone_of):
    fund(alice, 10_000)
    phone = phone_of(alice)

    assert phone.dial("5", "3") == "CON Change PIN\nEnter your current PIN\n0. Back"
    assert phone.type("1357") == (
        "CON Wrong PIN. 2 tries left.\nChange PIN\nEnter your current PIN\n0. Back"
    )
    assert phone.type("2468") == "CON Enter a new 4-digit PIN\n0. Back"
    assert phone.type("1234") == (
        "CON That PIN is too easy to guess. Avoid repeated or sequential digits and your "
        "birth year.\nEnter a new 4-digit PIN\n0. Back"
    )
    assert phone.type("12a4") == "CON A PIN is exactly 4 digits.\nEnter a new 4-digit PIN\n0. Back"
    assert phone.type("3958") == "CON Enter the new PIN again\n0. Back"
    assert phone.type("3959") == "CON The PINs did not match.\nEnter a new 4-digit PIN\n0. Back"
    assert phone.type("3958") == "CON Enter the new PIN again\n0. Back"
    assert phone.type("3958") == "END Your PIN has been changed."

    assert phone_of(alice).dial("5", "1", "3958") == "END Balance KES 100. Available KES 100."
    assert phone_of(alice).dial("5", "1", "2468").startswith("CON Wrong PIN. 2 tries left.")


def test_changing_the_pin_reads_in_kiswahili(alice, phone_of):
    phone = phone_of(alice, language="sw")

    assert phone.dial("5", "3") == "CON Badilisha PIN\nWeka PIN yako ya sasa\n0. Rudi"
    assert phone.type("1357") == (
        "CON PIN si sahihi. Umebakiza majaribio 2.\nBadilisha PIN\nWeka PIN yako ya sasa\n0. Rudi"
    )
    assert phone.type("2468") == "CON Weka PIN mpya ya tarakimu 4\n0. Rudi"
    assert phone.type("1111") == (
        "CON PIN hiyo ni rahisi kukisia. Epuka tarakimu zinazojirudia au zinazofuatana, na "
        "mwaka wako wa kuzaliwa.\nWeka PIN mpya ya tarakimu 4\n0. Rudi"
    )
    assert phone.type("3958") == "CON Weka PIN mpya tena\n0. Rudi"
    assert phone.type("3950") == "CON PIN hazikulingana.\nWeka PIN mpya ya tarakimu 4\n0. Rudi"
    assert phone.type("0") == "CON Badilisha PIN\nWeka PIN yako ya sasa\n0. Rudi"
    assert phone.type("2468") == "CON Weka PIN mpya ya tarakimu 4\n0. Rudi"
    assert phone.type("3958") == "CON Weka PIN mpya tena\n0. Rudi"
    assert phone.type("3958") == "END PIN yako imebadilishwa."
    assert phone_of(alice).dial("5", "1", "3958") == (
        "END Salio KES 0. Salio linalopatikana KES 0."
    )


def test_the_language_chosen_in_the_menu_is_kept_for_the_next_session(alice, phone_of):
    phone = phone_of(alice)
    assert phone.dial("5", "4") == "CON Language / Lugha\n1. English\n2. Kiswahili\n0. Back"
    assert phone.type("2") == "END Lugha yako imebadilishwa."
    assert Customer.objects.get(pk=alice.customer.pk).language == "sw"

    swahili = phone_of(alice)
    assert swahili.dial() == home_screen("Alice", "sw")
    assert swahili.type("5") == (
        "CON Akaunti yangu\n1. Salio\n2. Taarifa fupi\n3. Badilisha PIN\n4. Lugha\n"
        "5. Rejesha muamala\n6. Maombi yanayosubiri\n0. Rudi"
    )
    assert swahili.type("4") == "CON Language / Lugha\n1. English\n2. Kiswahili\n0. Rudi"
    assert swahili.type("1") == "END Your language has been changed."
    assert phone_of(alice).dial() == home_screen("Alice")
    assert not Transaction.objects.exists()
