"""The sanctions list: loaded from a file whole or not at all, and matched ignoring case,
accents, punctuation and word order, with aliases, birth dates and ID numbers."""

from __future__ import annotations

import datetime
import hashlib
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from compliance.errors import SanctionsFileInvalid
from compliance.models import SanctionsEntry, SanctionsLoad
from compliance.sanctions import NoSanctionsList, load_list, screen
from compliance.sanctions.names import normalise_name, similarity

pytestmark = pytest.mark.django_db

EXAMPLE = Path(__file__).resolve().parents[2] / "compliance" / "sanctions" / "example_list.csv"
HEADER = "list_name,entry_id,full_name,aliases,date_of_birth,nationality,id_numbers\n"


@pytest.fixture
def example(db) -> SanctionsLoad:
    return load_list(EXAMPLE.read_bytes(), file_name=EXAMPLE.name, loaded_by="test").load


def ids(matches) -> list[str]:
    return [match.entry_id for match in matches]


def test_the_example_list_loads_twelve_fictitious_entries_with_its_checksum(example):
    assert example.entry_count == 12 == SanctionsEntry.objects.filter(load=example).count()
    assert example.checksum == hashlib.sha256(EXAMPLE.read_bytes()).hexdigest()
    assert example.current
    assert "FICTITIOUS" in example.lists


def test_the_command_replaces_the_list_and_records_each_load(tmp_path, capsys, db):
    call_command("load_sanctions", str(EXAMPLE))
    smaller = tmp_path / "update.csv"
    smaller.write_text(HEADER + "TEST LIST,T-1,Test Person,,,,\n", encoding="utf-8")

    call_command("load_sanctions", str(smaller))

    loads = list(SanctionsLoad.objects.order_by("id"))
    assert [(load.file_name, load.current) for load in loads] == [
        ("example_list.csv", False),
        ("update.csv", True),
    ]
    assert list(SanctionsEntry.objects.values_list("entry_id", flat=True)) == ["T-1"]
    assert "Loaded 1 entries" in capsys.readouterr().out


def test_loading_the_same_file_again_changes_nothing_unless_forced(example, capsys):
    call_command("load_sanctions", str(EXAMPLE))
    assert "already the list in force" in capsys.readouterr().out
    assert SanctionsLoad.objects.count() == 1

    call_command("load_sanctions", str(EXAMPLE), "--force")
    assert SanctionsLoad.objects.filter(current=True).exclude(pk=example.pk).count() == 1


@pytest.mark.parametrize(
    ("content", "complaint"),
    [
        ("list_name,entry_id,full_name\nX,1,Someone\n", "Missing column(s): aliases"),
        (HEADER + "X,1,,,,,\n", "Line 2: full_name is empty"),
        (HEADER + "X,1,A B,,1970-13-01,,\n", "Line 2: date of birth '1970-13-01'"),
        (HEADER + "X,1,A B,,,,\nX,1,C D,,,,\n", "Line 3: X 1 twice"),
        (HEADER, "no entries"),
    ],
)
def test_a_bad_file_is_refused_whole_and_the_list_in_force_stays(example, content, complaint):
    with pytest.raises(
        SanctionsFileInvalid, match=complaint.replace("(", r"\(").replace(")", r"\)")
    ):
        load_list(content.encode(), file_name="bad.csv")

    assert SanctionsLoad.objects.get(current=True) == example
    assert SanctionsEntry.objects.count() == 12


def test_the_command_reports_a_bad_file_as_an_error(tmp_path, db):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"\xff\xfe not utf-8")
    with pytest.raises(CommandError, match="not UTF-8"):
        call_command("load_sanctions", str(bad))


def test_names_are_compared_without_case_accents_punctuation_or_word_order():
    assert normalise_name("ÑÚÑEZ ORTIGOSA, José") == "jose nunez ortigosa"
    assert similarity(normalise_name("Ortigosa Nunez Jose"), "jose nunez ortigosa") == 100
    assert similarity("jose nunez ortigosa", "amina testadata wairimu") < 50


def test_screening_finds_a_listed_name_in_any_order_and_spelling(example):
    assert ids(screen("ortigosa, JOSE nunez")) == ["FICT-002"]
    assert ids(screen("Zebedayo Mwangaza Kiprotich")) == ["FICT-001"]
    assert ids(screen("Zebedaio Kiprotich Mwangasa")) == ["FICT-001"]  # two letters off


def test_screening_matches_aliases(example):
    [match] = screen("Bjorn Mueller")
    assert match.entry_id == "FICT-005"
    assert match.matched_name == "bjorn mueller"


def test_a_missing_middle_name_still_matches_but_a_different_surname_does_not(example):
    assert ids(screen("Amina Testadata")) == ["FICT-003"]
    assert screen("Amina Wairimu Njoroge") == []


def test_an_id_number_on_the_list_is_a_strong_match_whatever_the_name(example):
    [match] = screen("Someone Else Entirely", id_number="de 0000 0005")

    assert (match.entry_id, match.reason, match.strong) == ("FICT-005", "id_number", True)


def test_a_birth_date_that_agrees_makes_a_name_match_strong_and_one_that_differs_rules_it_out(
    example,
):
    [agrees] = screen("Kwame Placeholder Mensah", datetime.date(1975, 5, 5))
    assert agrees.strong
    assert screen("Kwame Placeholder Mensah", datetime.date(1990, 5, 5)) == []
    [year_only] = screen("Jose Nunez Ortigosa", datetime.date(1968, 2, 3))  # listed as 1968
    assert year_only.date_of_birth_agrees


def test_an_unlisted_person_is_clear_and_no_list_means_no_screening(db):
    with pytest.raises(NoSanctionsList):
        screen("Wanjiku Kamau")
    load_list(EXAMPLE.read_bytes(), file_name=EXAMPLE.name)
    assert screen("Wanjiku Kamau", datetime.date(1990, 4, 12), "28451937") == []
