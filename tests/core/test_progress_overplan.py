"""The capital plan of a year: which disbursements need the over-plan flag (issue 13)."""

import pandas as pd
import pytest

from landgis.progress import ProgressError, load_book, record_progress
from tests.progress_data import add_registers


def _ev(kind, date, **kw):
    return {"subject_kind": "project", "subject_id": "DA-T1-XLNT", "kind": kind,
            "effective_date": date, "document_no": kw.pop("document_no", "VB"), **kw}


@pytest.fixture
def planned(store):
    """A project with 30 tỷ planned for 2019 and its total approved."""
    add_registers(store)
    record_progress(store, pd.DataFrame([
        _ev("investment_approved", "2018-05-02", amount_vnd=120_000_000_000),
        _ev("capital_plan", "2019-01-10", year=2019, source="provincial_budget",
            amount_vnd=30_000_000_000),
    ]), user="t")
    return store


def test_only_the_disbursement_that_goes_above_the_plan_needs_the_flag(planned):
    """10 tỷ in April stays within the plan; 25 tỷ in May takes the year to 35 tỷ: flagging
    May's alone records both, with a warning (April's was refused too before)."""
    result = record_progress(planned, pd.DataFrame([
        _ev("disbursement", "2019-04-10", amount_vnd=10_000_000_000, source_row=4),
        _ev("disbursement", "2019-05-10", amount_vnd=25_000_000_000, flags="over_plan",
            source_row=5),
    ]), user="t")
    assert result.counts == {"disbursement": 2}
    assert len(result.warnings) == 1 and "35.000.000.000" in result.warnings[0]
    row = load_book(planned).projects("2019-12-31").set_index("project_code").loc["DA-T1-XLNT"]
    assert row["disbursed_year_vnd"] == 35_000_000_000 and row["over_plan_events"] == 1


def test_an_unflagged_disbursement_after_the_plan_is_spent_is_refused(planned):
    with pytest.raises(ProgressError) as err:
        record_progress(planned, pd.DataFrame([
            _ev("disbursement", "2019-04-10", amount_vnd=25_000_000_000, flags="over_plan",
                source_row=4),
            _ev("disbursement", "2019-05-10", amount_vnd=10_000_000_000, source_row=5),
        ]), user="t")
    assert [p.message.split(":")[0] for p in err.value.problems] == ["row 5"]
    assert load_book(planned).history("project", "DA-T1-XLNT")["kind"].tolist() == [
        "investment_approved", "capital_plan"]


def test_an_earlier_disbursement_that_pushes_a_recorded_one_above_the_plan_is_refused(planned):
    """20 tỷ recorded in June; 15 tỷ dated in March makes June's go above the plan: the new
    one is the cause and needs the flag."""
    record_progress(planned, pd.DataFrame([
        _ev("disbursement", "2019-06-10", amount_vnd=20_000_000_000)]), user="t")
    with pytest.raises(ProgressError, match="row 3"):
        record_progress(planned, pd.DataFrame([
            _ev("disbursement", "2019-03-10", amount_vnd=15_000_000_000, source_row=3)]),
            user="t")
