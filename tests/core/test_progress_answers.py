"""The progress answers the web gives and takes (landgis.progress.answers), on both backends:
an editor's JSON event read as the ledger keeps it, histories with their labels and version,
and the book kept per store version by the data views."""

from __future__ import annotations

import pandas as pd
import pytest

from landgis.dataview import DataViews
from landgis.params import BadRequest, NotFound
from landgis.progress import ProgressError, load_book, record_progress
from landgis.progress import answers
from landgis.store.errors import ConflictError
from tests.conftest import snapshot
from tests.progress_web_data import TY, seed


@pytest.fixture
def seeded(store, zones_gdf):
    seed(store, zones_gdf)
    return store


def form(**changes) -> dict:
    doc = {"subject_kind": "project", "subject_id": "DA-T1", "kind": "disbursement",
           "date": "15/10/2019", "amount": "1,2 tỷ", "document_no": "UNC 7",
           "document_date": "15/10/2019", "version": 5}
    doc.update(changes)
    return {k: v for k, v in doc.items() if v is not None}


def test_an_event_as_people_write_it():
    events, expect, preview = answers.event_from_json(form(
        amount="1.234.567.890", source="Ngân sách tỉnh", preview=True, over_plan=True))
    row = events.iloc[0]
    assert row["effective_date"] == "2019-10-15" and row["document_date"] == "2019-10-15"
    assert row["amount_vnd"] == 1_234_567_890 and row["source"] == "provincial_budget"
    assert row["flags"] == "over_plan" and preview is True
    assert expect == {("project", "DA-T1"): 5}
    assert answers.event_from_json(form())[0].iloc[0]["amount_vnd"] == 1_200_000_000


@pytest.mark.parametrize("changes,field,words", [
    ({"amount": "abc"}, "amount", "not an amount"),
    ({"date": "2019-13-45"}, "date", "not a real date"),
    ({"date": "10/15/2019"}, "date", "the day comes first"),
    ({"version": None}, "version", "the number of events"),
    ({"version": "5"}, "version", "the number of events"),
    ({"over_plan": "yes"}, "over_plan", "true or false"),
    ({"year": "20x9"}, "year", "is not a year"),
    ({"colour": "red"}, "colour", "unknown member"),
    ({"note": "x" * 5000}, "note", "too long"),
])
def test_a_member_that_cannot_be_read_is_named(changes, field, words):
    with pytest.raises(ProgressError) as err:
        answers.event_from_json(form(**changes))
    rows = answers.problem_rows(err.value.problems)
    assert [r["field"] for r in rows] == [field] and words in rows[0]["message"]


def test_not_an_object_is_a_bad_request():
    with pytest.raises(BadRequest):
        answers.event_from_json([form()])


def test_the_milestones_of_a_project_whose_plan_is_not_reached(seeded):
    """A planned milestone not reached yet: its reached date is missing, not the text
    '<NA>' (which failed as a date)."""
    [ms] = load_book(seeded).project_milestones("DA-T1", "2019-12-31")
    assert ms == {"milestone": "construction_start", "planned_date": "2019-03-01",
                  "reached_date": None, "days_late": 305, "reached_late_days": 0}


def test_history_with_labels_version_and_corrections(seeded):
    book = load_book(seeded)
    first = answers.history_answer(book, "project", "DA-T1")
    assert first["version"] == len(first["events"]) == 5
    paid = [e for e in first["events"] if e["kind"] == "disbursement"]
    assert [(e["kind_vi"], e["kind_en"], e["amount_vnd"]) for e in paid] == [
        ("giải ngân", "disbursement", 10 * TY), ("giải ngân", "disbursement", 5 * TY)]
    plan = next(e for e in first["events"] if e["kind"] == "capital_plan")
    assert (plan["source_vi"], plan["year"]) == ("ngân sách tỉnh", 2019)
    # the milestones of a project whose plan is not reached yet (a missing date read as
    # text once broke this answer)
    [ms] = first["milestones"]
    assert (ms["milestone"], ms["planned_date"], ms["reached_date"]) == \
        ("construction_start", "2019-03-01", None) and ms["days_late"] > 0

    wrong = paid[1]["event_id"]
    record_progress(seeded, pd.DataFrame([{
        "subject_kind": "project", "subject_id": "DA-T1", "kind": "disbursement",
        "effective_date": "2019-09-10", "amount_vnd": 6 * TY, "document_no": "UNC 6b",
        "corrects_event_id": wrong}]), user="lan")
    after = answers.history_answer(load_book(seeded), "project", "DA-T1")
    assert after["version"] == 6
    voided = next(e for e in after["events"] if e["event_id"] == wrong)
    fix = next(e for e in after["events"] if e["corrects_event_id"] == wrong)
    assert voided["corrected"] is True and voided["corrected_by"] == fix["event_id"]
    assert fix["corrected"] is False and fix["recorded_by"] == "lan"


def test_unknown_subjects_and_zones(seeded):
    book = load_book(seeded)
    with pytest.raises(NotFound, match="LOT-X"):
        answers.history_answer(book, "lot", "LOT-X")
    with pytest.raises(BadRequest, match="unknown zone 'KCN-XX'"):
        answers.parse_query(book, None, "KCN-XX")
    with pytest.raises(BadRequest, match="as_of"):
        answers.parse_query(book, "31/02/2019", None)
    assert answers.parse_query(book, "31/12/2019", "KCN-T2") == ("2019-12-31", "KCN-T2")


def test_record_event_previews_records_and_refuses_a_stale_version(seeded):
    book = load_book(seeded)
    before = snapshot(seeded)
    recorded, answer = answers.record_event(seeded, form(preview=True), user="lan", book=book)
    assert recorded is False and answer["events"][0]["amount_vnd"] == 1_200_000_000
    assert snapshot(seeded) == before  # a preview writes nothing
    with pytest.raises(ConflictError) as err:
        answers.record_event(seeded, form(version=4), user="lan", book=book)
    assert err.value.conflicts == [{"subject_kind": "project", "subject_id": "DA-T1",
                                    "seen": 4, "now": 5}]
    assert snapshot(seeded) == before
    recorded, answer = answers.record_event(seeded, form(), user="lan", book=book)
    assert recorded is True and answer["version"] == 6
    # the same form again, on the book it was made from: the store refuses it
    with pytest.raises(ConflictError):
        answers.record_event(seeded, form(), user="lan", book=book)
    history = answers.history_answer(load_book(seeded), "project", "DA-T1")
    assert history["version"] == 6 and history["events"][-1]["event_id"] == \
        answer["event_ids"][0]


def test_the_views_keep_one_book_per_store_version(seeded, tmp_path):
    rules = tmp_path / "rules.csv"
    shipped = answers.__file__.replace("answers.py", "schedule_rules.csv")
    rules.write_text(open(shipped, encoding="utf-8").read().replace(
        "Luật Đầu tư 2020, Điều 41", "Điều luật thử"), encoding="utf-8")
    views = DataViews(64 << 20)
    book = views.current(seeded).progress_book(str(rules))
    assert views.current(seeded).progress_book(str(rules)) is book
    flags = book.investments()["flag_details"].explode().dropna()
    assert any("Điều luật thử" in f["basis_vi"] for f in flags)  # the setting's rules
    answers.record_event(seeded, form(), user="lan", book=book)
    again = views.current(seeded).progress_book(str(rules))
    assert again is not book and answers.version_of(again, "project", "DA-T1") == 6


def test_zones_of_the_layer_and_of_the_registers(seeded):
    names = answers.zone_names(seeded)
    assert names == {"KCN-T1": "KCN thử", "KCN-T2": "KCN thử 2"}
    book = load_book(seeded)
    assert answers.known_zones(book, names) == {"KCN-T1", "KCN-T2"}
    assert answers.known_zones(book) == {"KCN-T1", "KCN-T2"}  # the registers name both
