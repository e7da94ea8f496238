"""Investors' projects as of a date: milestones, capital, the schedule rules at their exact
boundaries, revocation; on both backends, registers and ledger written to the store and read
back. Every expected figure is worked out by hand in the test."""

import datetime as dt

import pandas as pd
import pytest

from landgis.progress import load_book
from tests.progress_ledger_data import event, events, investment, register, setup


def days(a: str, b: str) -> int:
    return (dt.date.fromisoformat(b) - dt.date.fromisoformat(a)).days


def book_of(store, parcels_gdf, investments, *rows, rules_file=None):
    setup(store, parcels_gdf)
    store.write_layer("investments", register(investments, "investments"))
    plain = [r for r in rows if not r.get("corrects_event_id")]
    for batch in (plain, [r for r in rows if r not in plain]):  # a correction: once recorded
        if batch:
            store.append_progress(events(*batch))
    return load_book(store, rules_file=rules_file)


def row(book, as_of, investment_id):
    table = book.investments(as_of)
    return table.set_index("investment_id").loc[investment_id]


def test_land_unused_12_then_36_months_after_handover(store, parcels_gdf):
    """Handed over on 15/04/2018, construction never started: behind from the day after
    the 12th month (16/04/2019), revocable from the day after the 36th (16/04/2021)."""
    book = book_of(store, parcels_gdf, [investment(
        "I1", plot_codes="P1", land_handover_due="2018-03-01",
        construction_start_due="2020-01-01", operation_due="2022-01-01")],
        event(1, "investment", "I1", "milestone_reached", "2018-04-15",
              milestone="land_handover"))
    r = row(book, "2019-04-15", "I1")
    assert (r["state"], r["flags"], r["days_behind"]) == ("on_schedule", "", 0)
    assert r["land_handover_reached"] == "2018-04-15"
    r = row(book, "2019-04-16", "I1")
    assert (r["state"], r["flags"]) == ("behind", "land_unused_12m")
    detail = r["flag_details"][0]
    assert (detail["milestone"], detail["since"], detail["days"]) == (
        "construction_start", "2018-04-15", 1)
    assert "Điều 81" in detail["basis_vi"] and "art. 81(8)" in detail["basis_en"]
    assert r["days_behind"] == 0  # no committed date passed yet

    # 15/04/2021: construction (due 01/01/2020) is late, the land unused 36 months to the day
    r = row(book, "2021-04-15", "I1")
    assert r["state"] == "behind"
    assert "revocable_unused" not in r["flags"].split(";")
    assert r["days_behind"] == days("2020-01-01", "2021-04-15")
    r = row(book, "2021-04-16", "I1")
    assert r["state"] == "revocable"
    assert set(r["flags"].split(";")) == {"late_milestone", "land_unused_12m",
                                          "revocable_unused"}
    revocable = [d for d in r["flag_details"] if d["rule_id"] == "revocable_unused"]
    assert revocable[0]["days"] == 1 and revocable[0]["state"] == "revocable"


def test_operation_24_then_48_months_late_once_the_land_is_handed_over(store, parcels_gdf):
    due = "2019-06-30"
    handed = dict(land_handover_due="2018-02-01", construction_start_due="2018-06-01",
                  operation_due=due)
    book = book_of(
        store, parcels_gdf,
        [investment("I2", plot_codes="P1", **handed),
         investment("I3", plot_codes="P2", **{**handed, "land_handover_due": None,
                                              "construction_start_due": None})],
        event(1, "investment", "I2", "milestone_reached", "2018-02-01",
              milestone="land_handover"),
        event(2, "investment", "I2", "milestone_reached", "2018-05-20",
              milestone="construction_start"))
    r = row(book, due, "I2")
    assert (r["state"], r["days_behind"]) == ("on_schedule", 0)
    r = row(book, "2019-07-01", "I2")
    assert (r["state"], r["flags"], r["days_behind"]) == ("behind", "late_milestone", 1)
    r = row(book, "2021-06-30", "I2")
    assert (r["state"], r["flags"]) == ("behind", "late_milestone")
    r = row(book, "2021-07-01", "I2")
    assert (r["state"], r["flags"]) == ("behind", "late_milestone;land_late_24m")
    assert r["days_behind"] == days(due, "2021-07-01")
    assert row(book, "2023-06-30", "I2")["state"] == "behind"
    r = row(book, "2023-07-01", "I2")
    assert r["state"] == "revocable"
    assert r["flags"] == "late_milestone;land_late_24m;revocable_late"
    # I3 never received its land: the Land Law's rules do not apply, only the lateness
    r = row(book, "2023-07-01", "I3")
    assert (r["state"], r["flags"]) == ("behind", "late_milestone")
    assert r["days_behind"] == days(due, "2023-07-01")


def test_extension_beyond_24_months_only_for_a_policy_approval(store, parcels_gdf):
    """Committed operation 01/01/2020. I4 extended to 01/01/2022 (24 months: allowed), I5 to
    02/01/2022 (one day more), I6 (a registration certificate) to 01/01/2023."""
    committed = dict(operation_due="2020-01-01")
    book = book_of(
        store, parcels_gdf,
        [investment("I4", plot_codes="P1", **committed),
         investment("I5", plot_codes="P2", **committed),
         investment("I6", plot_codes="P3", approval_kind="registration", **committed)],
        event(1, "investment", "I4", "extension", "2019-06-01", milestone="operation",
              planned_date="2022-01-01"),
        event(2, "investment", "I5", "extension", "2019-06-01", milestone="operation",
              planned_date="2022-01-02"),
        event(3, "investment", "I6", "extension", "2019-06-01", milestone="operation",
              planned_date="2023-01-01"),
        # I4 re-extended later, to a shorter date: the latest extension stands
        event(4, "investment", "I4", "extension", "2020-03-01", milestone="operation",
              planned_date="2021-06-01"))
    before = book.investments("2019-05-31").set_index("investment_id")
    assert set(before["operation_due"]) == {"2020-01-01"}
    t = book.investments("2019-06-01").set_index("investment_id")
    assert t.loc["I4", "operation_due"] == "2022-01-01"
    assert (t.loc["I4", "state"], t.loc["I4", "flags"]) == ("on_schedule", "")
    assert (t.loc["I5", "state"], t.loc["I5", "flags"]) == ("behind", "extension_over_24m")
    detail = t.loc["I5", "flag_details"][0]
    assert (detail["milestone"], detail["since"], detail["days"]) == ("operation",
                                                                      "2020-01-01", 1)
    assert (t.loc["I6", "state"], t.loc["I6", "flags"]) == ("on_schedule", "")
    assert t.loc["I6", "operation_due"] == "2023-01-01"
    t = book.investments("2021-06-02").set_index("investment_id")
    assert t.loc["I4", "operation_due"] == "2021-06-01"
    assert (t.loc["I4", "state"], t.loc["I4", "days_behind"]) == ("behind", 1)


def test_capital_is_reached_the_day_contributions_add_up(store, parcels_gdf):
    """100 tỷ committed, due 31/12/2018: 60 tỷ on 01/05, 40 tỷ on 01/06 (reached), 10 tỷ more
    on 01/07. I8 contributes 60 tỷ only: one day late on 01/01/2019."""
    cap = 100_000_000_000
    book = book_of(
        store, parcels_gdf,
        [investment("I7", plot_codes="P1", committed_capital_vnd=cap, capital_due="2018-12-31"),
         investment("I8", plot_codes="P2", committed_capital_vnd=cap, capital_due="2018-12-31")],
        event(1, "investment", "I7", "capital_contributed", "2018-05-01",
              amount_vnd=60_000_000_000),
        event(2, "investment", "I7", "capital_contributed", "2018-06-01",
              amount_vnd=40_000_000_000),
        event(3, "investment", "I7", "capital_contributed", "2018-07-01",
              amount_vnd=10_000_000_000),
        event(4, "investment", "I8", "capital_contributed", "2018-05-01",
              amount_vnd=60_000_000_000))
    r = row(book, "2018-05-31", "I7")
    assert (r["capital_contributed_vnd"], r["capital_reached"]) == (60_000_000_000, None)
    assert row(book, "2018-06-01", "I7")["capital_reached"] == "2018-06-01"
    r = row(book, "2019-01-01", "I7")
    assert (r["capital_contributed_vnd"], r["capital_reached"]) == (110_000_000_000,
                                                                    "2018-06-01")
    assert (r["state"], r["days_behind"]) == ("on_schedule", 0)
    r = row(book, "2019-01-01", "I8")
    assert (r["capital_reached"], r["state"], r["days_behind"]) == (None, "behind", 1)
    assert r["flag_details"][0]["milestone"] == "capital"


def test_revoked_wins_over_every_flag_and_a_corrected_revocation_does_not(store,
                                                                          parcels_gdf):
    late = dict(operation_due="2019-01-01")
    book = book_of(
        store, parcels_gdf,
        [investment("I9", plot_codes="P1", **late), investment("I10", plot_codes="P2", **late)],
        event(1, "investment", "I9", "revocation", "2022-03-01"),
        event(2, "investment", "I10", "revocation", "2022-03-01"),
        event(3, "investment", "I10", "progress_report", "2022-03-02", corrects_event_id="e2",
              note="recorded by mistake"))
    r = row(book, "2022-02-28", "I9")
    assert (r["state"], pd.isna(r["revoked_date"])) == ("behind", True)
    r = row(book, "2022-03-01", "I9")
    assert (r["state"], r["revoked_date"], r["state_label_vi"]) == ("revoked", "2022-03-01",
                                                                     "đã thu hồi")
    assert r["flags"] == "late_milestone"  # the rules that fired stay shown
    r = row(book, "2022-03-01", "I10")
    assert (r["state"], pd.isna(r["revoked_date"])) == ("behind", True)
    history = book.history("investment", "I10")
    assert list(history["event_id"]) == ["e2", "e3"]
    assert list(history["corrected"]) == [True, False]


def test_an_event_after_the_date_never_counts_and_a_correction_moves_it(store, parcels_gdf):
    """Land handover recorded on 01/05/2019, then corrected to 20/05/2019; an inspection and a
    violation; an investment certified after the date asked is not listed yet."""
    book = book_of(
        store, parcels_gdf,
        [investment("I11", plot_codes="P1", land_handover_due="2019-06-01"),
         investment("I12", plot_codes="P2", certificate_date="2020-01-01")],
        event(1, "investment", "I11", "milestone_reached", "2019-05-01",
              milestone="land_handover"),
        event(2, "investment", "I11", "milestone_reached", "2019-05-20",
              milestone="land_handover", corrects_event_id="e1"),
        event(3, "investment", "I11", "inspection", "2019-07-01"),
        event(4, "investment", "I11", "violation", "2019-07-01"),
        event(5, "investment", "I11", "progress_report", "2019-08-01", note="xong móng"))
    assert row(book, "2019-05-10", "I11")["land_handover_reached"] is None
    r = row(book, "2019-05-20", "I11")
    assert r["land_handover_reached"] == "2019-05-20"
    assert (r["inspections"], r["violations"], pd.isna(r["last_report_date"])) == (0, 0, True)
    r = row(book, "2019-08-01", "I11")
    assert (r["inspections"], r["violations"]) == (1, 1)
    assert (r["last_report_date"], r["last_report_note"]) == ("2019-08-01", "xong móng")
    assert list(book.investments("2019-12-31")["investment_id"]) == ["I11"]
    assert list(book.investments("2020-01-01")["investment_id"]) == ["I11", "I12"]
    assert list(book.investments("2020-01-01", zone="KKT-T2")["investment_id"]) == []


def test_a_rules_file_of_its_own_changes_the_flags(store, parcels_gdf, tmp_path):
    """The Board's own table: operation six months late makes an investment revocable."""
    rules = tmp_path / "rules.csv"
    rules.write_text(
        "rule_id,condition,milestone,after,months,state,approval_kind,label_vi,label_en,"
        "basis_vi,basis_en\n"
        "op_6m,late,operation,,6,revocable,,Chậm 6 tháng,Six months late,"
        "Quy chế của Ban (thử),The Board's rule (test)\n", encoding="utf-8")
    inv = [investment("I13", plot_codes="P1", operation_due="2020-01-01")]
    shipped = book_of(store, parcels_gdf, inv)
    r = row(shipped, "2020-07-02", "I13")
    assert (r["state"], r["flags"]) == ("behind", "late_milestone")
    own = load_book(store, rules_file=str(rules))
    assert (row(own, "2020-07-01", "I13")["state"], row(own, "2020-07-01", "I13")["flags"]) \
        == ("on_schedule", "")
    r = row(own, "2020-07-02", "I13")
    assert (r["state"], r["flags"]) == ("revocable", "op_6m")
    assert r["flag_details"][0]["basis_en"] == "The Board's rule (test)"
