"""import_progress: a whole workbook checked as one, reported, then written or not at all
(issue 13, item 4), on both backends."""

import pandas as pd
import pytest

from landgis.progress import load_book
from landgis.progress.importer import ProgressImportError, import_progress
from landgis.store.errors import ConflictError
from tests.conftest import snapshot
from tests.progress_data import add_registers, ev, good_events, investment, lot, workbook


@pytest.fixture
def board(store):
    add_registers(store)
    return store


def _import(store, path, **kw):
    return import_progress(store, path, user="lan", **kw)


def test_a_workbook_is_imported_registers_first_and_the_figures_follow(board, tmp_path):
    path = workbook(tmp_path / "tien-do.xlsx", investments=[investment()], lots=[lot()],
                    events=good_events())
    result = _import(board, path)
    assert result.problems == [] and result.written
    assert set(result.batches) == {"investments", "auction_lots", "progress_events"}
    assert result.counts["disbursement"] == 2 and result.status_events == 2
    book = load_book(board)
    project = book.projects("2019-12-31").set_index("project_code").loc["DA-T1-XLNT"]
    assert project["disbursed_year_vnd"] == 1_234_567_890 + 1_200_000_000
    assert project["plan_year_vnd"] == 30_000_000_000
    lots = book.auctions("2020-12-31").set_index("lot_code")
    assert lots.loc["LO-T1-01", ["won_vnd", "collected_vnd"]].tolist() == [5e9, 2.5e9]
    status = board.read_layer("status_events")
    sold = status[(status["field"] == "auction_status") & (status["value"] == "sold")]
    assert sorted(sold["parcel_id"]) == ["23296-1-3", "23296-1-4"]


def test_the_same_workbook_again_records_nothing_twice(board, tmp_path):
    path = workbook(tmp_path / "tien-do.xlsx", investments=[investment()], lots=[lot()],
                    events=good_events())
    _import(board, path)
    before = snapshot(board)
    again = _import(board, path)
    assert again.problems == [] and again.batches == {}
    assert again.sheets[2].recorded == len(good_events()) and again.counts == {}
    assert [s.counts.get("unchanged") for s in again.sheets[:2]] == [1, 1]
    assert snapshot(board) == before
    # a row added at the bottom of the sheet is the only one recorded
    grown = workbook(tmp_path / "tien-do-2.xlsx", investments=[investment()], lots=[lot()],
                     events=good_events() + [ev("DA-T1-XLNT", kind="giải ngân",
                                                    date="10/06/2019", amount="2 tỷ")])
    third = _import(board, grown)
    assert third.counts == {"disbursement": 1} and third.sheets[2].recorded == 11
    assert set(third.batches) == {"progress_events"}


def test_a_problem_in_any_sheet_writes_nothing_and_every_problem_is_listed(board, tmp_path):
    path = workbook(tmp_path / "bad.xlsx", investments=[investment(), investment(
        "NDT-T1-02", plot="T1-CN-01")], lots=[lot()], events=good_events() + [
        ev(lot="LO-T1-99", kind="nộp tiền trúng đấu giá", date="20/08/2020", amount="1 tỷ"),
        ev("DA-T1-XLNT", kind="giải ngân", date="10/06/2019", amount="abc")])
    before = snapshot(board)
    result = _import(board, path)
    assert not result.written and snapshot(board) == before
    text = "\n".join(result.problems)
    assert "T1-CN-01 is already occupied by live investment NDT-T1-01" in text
    assert "LO-T1-99" in text and "row 13 [Sự kiện]" in text
    assert "ô / cell K14 ('Số tiền')" in text and "'abc'" in text


def test_a_dry_run_reports_and_writes_nothing(board, tmp_path):
    path = workbook(tmp_path / "tien-do.xlsx", investments=[investment()], lots=[lot()],
                    events=good_events())
    before = snapshot(board)
    result = _import(board, path, dry_run=True)
    assert result.problems == [] and not result.written and result.status_events == 2
    assert "11 sự kiện mới / new event(s)" in result.report()
    assert snapshot(board) == before


def test_over_plan_is_refused_unless_flagged_then_recorded_and_reported(board, tmp_path):
    rows = good_events() + [ev("DA-T1-XLNT", kind="giải ngân", date="10/06/2019",
                               amount="30 tỷ", doc="UNC 7")]
    before = snapshot(board)
    refused = _import(board, workbook(tmp_path / "a.xlsx", lots=[lot()],
                                      investments=[investment()], events=rows))
    assert any("row 13 [Sự kiện]" in p and "above the year's capital plan" in p
               for p in refused.problems)
    assert snapshot(board) == before
    rows[-1] = ev("DA-T1-XLNT", kind="giải ngân", date="10/06/2019", amount="30 tỷ",
                  doc="UNC 7", over="x")
    done = _import(board, workbook(tmp_path / "b.xlsx", lots=[lot()],
                                   investments=[investment()], events=rows))
    assert done.written and done.sheets[2].over_plan == 1
    assert "32.434.567.890" in done.warnings[0] and "over_plan" in done.report()


class _RacedStore:
    """The store as another editor's write lands between the import's check and its events
    write: a real event of the same project, appended by a real store call."""

    def __init__(self, store):
        self._store = store

    def __getattr__(self, name):
        return getattr(self._store, name)

    def append_progress(self, events, **kw):
        from landgis.progress import record_progress

        record_progress(self._store, pd.DataFrame([{
            "subject_kind": "project", "subject_id": "DA-T1-XLNT", "kind": "progress_report",
            "effective_date": "2019-06-01", "document_no": "BC web"}]), user="an")
        return self._store.append_progress(events, **kw)


def test_a_write_that_fails_after_the_registers_puts_them_back(board, tmp_path):
    board.write_layer("investments", pd.DataFrame([{
        "investment_id": "NDT-T1-09", "investor": "Cũ", "project_name": "Cũ",
        "approval_kind": "registration", "certificate_no": "1", "certificate_date": "2016-01-01",
        "zone_code": "KCN-T1", "plot_codes": "T1-CN-02", "parcel_ids": None,
        "leased_area_m2": None, "committed_capital_vnd": None, "land_handover_due": None,
        "construction_start_due": None, "operation_due": None, "capital_due": None,
        "source": "illustrative"}]).astype({"committed_capital_vnd": "Int64",
                                            "leased_area_m2": float}))
    registers = {n: board.read_table(n) for n in ("investments",)}
    path = workbook(tmp_path / "tien-do.xlsx", investments=[investment()], lots=[lot()],
                    events=good_events())
    with pytest.raises(ProgressImportError, match="put back") as err:
        _import(_RacedStore(board), path)
    assert isinstance(err.value.cause, ConflictError)
    pd.testing.assert_frame_equal(board.read_table("investments"), registers["investments"])
    assert board.read_table("auction_lots").empty
    events = board.read_table("progress_events")
    assert events["document_no"].tolist() == ["BC web"]  # the other editor's, alone
    assert load_book(board).auctions().empty
