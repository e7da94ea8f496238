"""Recording progress events: every refusal of landgis.progress.record listed, each naming its
row, and nothing written; values as people write them; corrections; 409 on a stale view; a
store that refuses an append writes nothing. Both backends."""

import pandas as pd
import pytest

from landgis.ledger import current_status
from landgis.progress import ProgressError, load_book, record_progress
from landgis.store.errors import ConflictError, LedgerError
from tests.conftest import snapshot
from tests.progress_ledger_data import TODAY, event, events, investment, lot, register, setup

BN = 1_000_000_000


def prepared(store, parcels_gdf):
    """DA-1 approved (plan 2020: 30 tỷ, 20 tỷ disbursed), I1 certified 01/01/2018, lot L1 sold
    (by record_progress: its parcels are sold in the status ledger), L2 and L3 not auctioned."""
    setup(store, parcels_gdf)
    store.write_layer("investments", register([investment(
        "I1", plot_codes="P1", land_handover_due="2018-03-01")], "investments"))
    store.write_layer("auction_lots", register([
        lot("L1", "23296-2-1;23296-2-2", zone_code="KKT-T2"), lot("L2", "23296-1-3"),
        lot("L3", "23296-1-4")],
        "auction_lots"))
    p = "project"
    store.append_progress(events(
        event(1, p, "DA-1", "investment_approved", "2018-03-01", amount_vnd=100 * BN,
              document_no="QĐ 1"),
        event(2, p, "DA-1", "capital_plan", "2020-01-10", year=2020, source="provincial_budget",
              amount_vnd=30 * BN),
        event(3, p, "DA-1", "milestone_planned", "2018-03-01", milestone="construction_start",
              planned_date="2019-06-01"),
        event(4, p, "DA-1", "disbursement", "2020-03-01", amount_vnd=20 * BN)))
    record_progress(store, pd.DataFrame([{
        "event_id": "sale-1", "subject_kind": "lot", "subject_id": "L1",
        "kind": "auction_result", "effective_date": "2020-09-01", "result": "sold",
        "base_vnd": 4 * BN, "amount_vnd": 4_200_000_000, "party": "Công ty X",
        "document_no": "QĐ 33"}]), user="editor", today=TODAY)


def new(label, subject_kind, subject_id, kind, date, **kw):
    row = {"source_row": label, "subject_kind": subject_kind, "subject_id": subject_id,
           "kind": kind, "effective_date": date, "document_no": f"VB {label}"}
    row.update(kw)
    return row


#: (row, event, what its message says)
REFUSED = [
    (new(2, "lot", "LX", "payment", "2021-01-01", amount_vnd=BN),
     "auction lot 'LX' is not in the register (auction_lots)"),
    (new(3, "investment", "I1", "disbursement", "2021-01-01", amount_vnd=BN),
     "'disbursement' không phải sự kiện của dự án của nhà đầu tư / 'disbursement' is not an "
     "event of an investor project"),
    (new(4, "investment", "I1", "progress_report", "2030-01-01"),
     "ngày 01/01/2030 ở tương lai (hôm nay 30/06/2024) / the date 01/01/2030 is in the future"),
    (new(5, "project", "DA-1", "progress_report", "2005-01-01"),
     "the date 01/01/2005 is before 01/01/2010"),
    (new(6, "project", "DA-2", "disbursement", "2021-01-01", amount_vnd=BN),
     "project DA-2 has no approved total investment"),
    (new(6, "project", "DA-2", "disbursement", "2021-01-01", amount_vnd=BN),
     "project DA-2: disbursed 1.000.000.000 đồng in 2021, above the year's capital plan of 0 "
     "đồng"),
    (new(7, "project", "DA-1", "milestone_reached", "2018-02-01", milestone="construction_start"),
     "the date 01/02/2018 is before the decision approving project DA-1 (QĐ 1, 01/03/2018)"),
    (new(7, "project", "DA-1", "milestone_reached", "2018-02-01", milestone="construction_start"),
     "is reached on 01/02/2018, before it was planned on 01/03/2018"),
    (new(8, "investment", "I1", "progress_report", "2017-06-01"),
     "the date 01/06/2017 is before the certificate of investment I1 (I1/QĐ-BQL, 01/01/2018)"),
    (new(9, "lot", "L1", "payment", "2020-08-01", amount_vnd=BN),
     "the payment of 01/08/2020 is before the auction of lot L1 (01/09/2020)"),
    (new(10, "lot", "L2", "payment", "2021-01-01", amount_vnd=BN),
     "lot L2 has no auction won to be paid for"),
    (new(11, "project", "DA-1", "milestone_reached", "2021-01-01", milestone="completion"),
     "milestone 'completion' (completion) of DA-1 was never planned"),
    (new(12, "investment", "I1", "milestone_reached", "2021-01-01", milestone="operation"),
     "milestone 'operation' (operation) of I1 was never planned"),
    (new(13, "project", "DA-1", "disbursement", "2020-05-01", amount_vnd=15 * BN),
     "project DA-1: disbursed 35.000.000.000 đồng in 2020, above the year's capital plan of "
     "30.000.000.000 đồng; flag the disbursement over_plan"),
    (new(14, "project", "DA-1", "disbursement", "2021-05-01"),
     "giải ngân cần số tiền / a disbursement needs an amount (amount_vnd)"),
    (new(15, "project", "DA-1", "progress_report", "2021-05-01", document_no=None),
     "thiếu số văn bản / no document number"),
    (new(16, "project", "DA-1", "capital_plan", "2021-01-05", year=2021, amount_vnd=BN),
     "a capital plan of the year needs a capital source (source)"),
    (new(17, "lot", "L3", "auction_result", "2021-01-05"),
     "an auction result needs a result (result)"),
    (new(18, "project", "DA-1", "milestone_planned", "2021-01-05", milestone="handover"),
     "a milestone planned needs a planned date (planned_date)"),
    (new(19, "investment", "I1", "progress_report", "2021-01-05", corrects_event_id="e1"),
     "corrects event 'e1', which is not an event of I1"),
    (new(20, "project", "DA-1", "progress_report", "2021-01-05", corrects_event_id="nope"),
     "corrects event 'nope', which is not an event of DA-1"),
    (new(21, "lot", "L1", "payment", "2021-01-05", amount_vnd="abc"),
     "amount_vnd: 'abc' không phải số tiền / 'abc' is not an amount of money"),
    (new(22, "lot", "L1", "payment", "31/02/2021", amount_vnd=BN),
     "effective_date: '31/02/2021' không có trong lịch / is not a real date"),
    (new(23, "lot", "L3", "auction_result", "2021-01-05", result="sold", amount_vnd=BN,
         base_vnd=2 * BN),
     "a lot sold needs its winner (party)"),
    (new(23, "lot", "L3", "auction_result", "2021-01-05", result="sold", amount_vnd=BN,
         base_vnd=2 * BN),
     "the winning price 1.000.000.000 is below the starting price 2.000.000.000"),
    (new(24, "lot", "L1", "payment", "2021-01-05", amount_vnd=0),
     "the amount 0 đồng is not positive"),
    (new(25, "project", "DA-1", "milestone_planned", "2021-01-05", milestone="operation",
         planned_date="2022-01-01"),
     "'operation' không phải mốc của dự án đầu tư công / 'operation' is not a milestone of a "
     "public investment project"),
    (new(26, "project", "DA-1", "capital_plan", "2021-01-05", year=2021, source="xyz",
         amount_vnd=BN),
     "'xyz' không phải nguồn vốn / 'xyz' is not a capital source"),
    (new(27, "lot", "L3", "auction_result", "2021-01-05", result="maybe"),
     "'maybe' không phải kết quả đấu giá / 'maybe' is not an auction result"),
    (new(28, "project", "DA-1", "progress_report", "2021-01-05", event_id="e2"),
     "event id 'e2' is already in the ledger"),
    (new(29, "parcel", "23296-1-1", "progress_report", "2021-01-05"),
     "'parcel' không phải loại đối tượng / 'parcel' is not a subject"),
    (new(30, "lot", "L1", "payment", "2021-01-05", amount_vnd=BN, corrects_event_id="sale-1"),
     "the auction result 'sale-1' is corrected by another auction result"),
    (new(31, "project", "DA-1", "capital_plan", "2021-01-05", year="năm nay", source="oda",
         amount_vnd=BN),
     "year: 'năm nay' không phải năm / is not a year"),
]


def test_every_refusal_is_listed_naming_its_row_and_nothing_is_written(store, parcels_gdf):
    prepared(store, parcels_gdf)
    before = snapshot(store)
    rows = list({r["source_row"]: r for r, _ in REFUSED}.values())
    with pytest.raises(ProgressError) as err:
        record_progress(store, pd.DataFrame(rows), user="editor", source_name="tiendo.xlsx",
                        today=TODAY, min_date="2010-01-01")
    messages = [p.message for p in err.value.problems]
    for row, said in REFUSED:
        mine = [m for m in messages if m.startswith(f"row {row['source_row']}: ")]
        assert any(said in m for m in mine), (row["source_row"], said, mine)
    # every row refused, and only for the reasons above
    assert len(messages) == len(REFUSED), messages
    assert str(err.value).startswith(f"tiendo.xlsx: {len(REFUSED)} lỗi, không ghi gì / ")
    assert snapshot(store) == before


def test_values_as_people_write_them_are_read(store, parcels_gdf):
    prepared(store, parcels_gdf)
    result = record_progress(store, pd.DataFrame([
        {"subject_kind": "dự án đầu tư công", "subject_id": "DA-1", "kind": "giải ngân",
         "effective_date": "01/04/2020", "amount_vnd": "1.234.567.890", "document_no": "UNC 1"},
        {"subject_kind": "project", "subject_id": "DA-1", "kind": "capital_plan",
         "effective_date": "05/01/2021", "year": "2021", "source": "ngân sách tỉnh",
         "amount_vnd": "1,2 tỷ", "document_no": "QĐ 5"},
        {"subject_kind": "lot", "subject_id": "L1", "kind": "payment",
         "effective_date": pd.Timestamp("2020-10-01"), "amount_vnd": 2_100_000_000.0,
         "document_no": "GNT 1"},
    ]), user="editor", today=TODAY)
    assert result.counts == {"disbursement": 1, "capital_plan": 1, "payment": 1}
    book = load_book(store)
    stored = book.events[book.events["document_no"].isin(["UNC 1", "QĐ 5", "GNT 1"])] \
        .set_index("document_no")
    assert stored.loc["UNC 1", ["subject_kind", "kind", "effective_date", "amount_vnd"]] \
        .tolist() == ["project", "disbursement", "2020-04-01", 1_234_567_890]
    assert stored.loc["QĐ 5", ["source", "year", "amount_vnd"]].tolist() == [
        "provincial_budget", 2021, 1_200_000_000]
    assert stored.loc["GNT 1", ["effective_date", "amount_vnd"]].tolist() == ["2020-10-01",
                                                                             2_100_000_000]
    assert stored["recorded_by"].tolist() == ["editor"] * 3


def test_a_disbursement_over_plan_is_recorded_when_flagged_and_reported(store, parcels_gdf):
    prepared(store, parcels_gdf)
    result = record_progress(store, pd.DataFrame([new(
        2, "project", "DA-1", "disbursement", "2020-05-01", amount_vnd=15 * BN,
        flags="over_plan")]), user="editor", source_name="giaingan.xlsx", today=TODAY)
    text = ("project DA-1: disbursed 35.000.000.000 đồng in 2020, above the year's capital "
            "plan of 30.000.000.000 đồng (recorded as flagged over_plan)")
    assert len(result.warnings) == 1 and text in result.warnings[0]
    batches = store.list_batches("progress_events")
    assert text in batches["note"].iloc[-1]
    r = load_book(store).projects("2020-12-31").set_index("project_code").loc["DA-1"]
    assert (r["disbursed_year_vnd"], r["over_plan_events"]) == (35 * BN, 1)


def test_a_correction_replaces_the_amount_it_corrects_in_the_plan_check(store, parcels_gdf):
    """20 tỷ disbursed on 01/03/2020 was in fact 25 tỷ: within the 30 tỷ plan, since the
    corrected 20 no longer counts."""
    prepared(store, parcels_gdf)
    record_progress(store, pd.DataFrame([new(
        2, "project", "DA-1", "disbursement", "2020-03-01", amount_vnd=25 * BN,
        corrects_event_id="e4")]), user="editor", today=TODAY)
    r = load_book(store).projects("2020-12-31").set_index("project_code").loc["DA-1"]
    assert r["disbursed_year_vnd"] == 25 * BN


def test_correcting_an_auction_result_corrects_the_parcels_status(store, parcels_gdf):
    """Recorded sold on 01/09/2020; in fact the auction of 15/08/2020 failed."""
    prepared(store, parcels_gdf)
    result = record_progress(store, pd.DataFrame([new(
        2, "lot", "L1", "auction_result", "2020-08-15", result="unsold", base_vnd=4 * BN,
        corrects_event_id="sale-1")]), user="editor", today=TODAY)
    assert sorted(result.status_events["corrects_event_id"]) == ["sale-1:23296-2-1",
                                                                 "sale-1:23296-2-2"]
    status = current_status(store.read_table("status_events"), ["23296-2-1", "23296-2-2"],
                            as_of="2020-12-31")
    assert list(status["auction_status"]) == ["unsold", "unsold"]
    lot_row = load_book(store).auctions("2020-12-31").set_index("lot_code").loc["L1"]
    assert (lot_row["result"], lot_row["won_vnd"]) == ("unsold", 0)


def test_an_edit_on_a_stale_view_is_refused_and_writes_nothing(store, parcels_gdf):
    prepared(store, parcels_gdf)
    seen = len(load_book(store).history("lot", "L1"))
    assert seen == 1
    payment = pd.DataFrame([new(2, "lot", "L1", "payment", "2020-10-01", amount_vnd=BN)])
    record_progress(store, payment, user="a", today=TODAY, expect={("lot", "L1"): seen})
    before = snapshot(store)
    with pytest.raises(ConflictError) as err:  # b saw the lot before a's payment
        record_progress(store, payment.assign(document_no="GNT 2"), user="b", today=TODAY,
                        expect={("lot", "L1"): seen})
    assert err.value.conflicts == [{"subject_kind": "lot", "subject_id": "L1", "seen": 1,
                                    "now": 2}]
    assert snapshot(store) == before


def test_a_refused_append_writes_no_event_no_status_and_no_batch(store, parcels_gdf):
    from landgis.store.base import Batch

    prepared(store, parcels_gdf)
    before = snapshot(store)
    sale = events(event(90, "lot", "L2", "auction_result", "2021-01-05", result="sold",
                        amount_vnd=BN, party="B"))
    status = pd.DataFrame([{
        "event_id": "e90:23296-1-3", "parcel_id": "23296-1-3", "field": "auction_status",
        "value": "sold", "effective_date": "2021-01-05", "document_no": "90/VB",
        "recorded_by": "t", "recorded_at": "2021-01-05T09:00:00+07:00"}])
    batch = Batch(source_name="x.xlsx", user="t", counts={"events": 1})
    clash = pd.concat([sale, events(event(2, "project", "DA-1", "progress_report",
                                          "2021-01-05"))])  # e2 is in the ledger
    with pytest.raises(LedgerError):
        store.append_progress(clash, status_events=status, batch=batch)
    assert snapshot(store) == before
    unknown = status.assign(parcel_id="no-such-parcel", event_id="e90:x")
    with pytest.raises(LedgerError):
        store.append_progress(sale, status_events=unknown, batch=batch)
    assert snapshot(store) == before
    with pytest.raises(ConflictError):
        store.append_progress(sale, status_events=status, batch=batch,
                              expect={("lot", "L2"): 3})
    assert snapshot(store) == before
    assert store.append_progress(sale, status_events=status, batch=batch) is not None
    assert snapshot(store) != before
