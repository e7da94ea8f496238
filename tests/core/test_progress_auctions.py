"""Auction lots as of a date: unsold then re-auctioned, payments due and collected,
outstanding and overdue never negative, revenue by zone and by the project it funds; the lot's
parcels sold/unsold in the status ledger from the same record. Both backends; figures by hand."""

import pandas as pd

from landgis.ledger import current_status
from landgis.progress import load_book, record_progress
from tests.progress_ledger_data import event, events, lot, register, setup

BN = 1_000_000_000


def lots():
    return register([
        lot("L1", "23296-2-1;23296-2-2", zone_code="KKT-T2", funds_project_code="DA-2"),
        lot("L2", "23296-1-3", funds_project_code="DA-1"),
        lot("L3", "23296-1-4"),
    ], "auction_lots")


def ledger():
    return [
        event(1, "lot", "L1", "auction_result", "2020-03-01", result="unsold", base_vnd=4 * BN),
        event(2, "lot", "L1", "auction_result", "2020-09-01", result="sold",
              base_vnd=3_500_000_000, amount_vnd=4_200_000_000, party="Công ty X"),
        event(3, "lot", "L1", "payment_due", "2020-09-01", planned_date="2020-10-01",
              amount_vnd=2_100_000_000),
        event(4, "lot", "L1", "payment_due", "2020-09-01", planned_date="2021-03-01",
              amount_vnd=2_100_000_000),
        event(5, "lot", "L1", "payment", "2020-09-25", amount_vnd=2_100_000_000),
        event(6, "lot", "L1", "payment", "2021-04-10", amount_vnd=1 * BN),
        event(7, "lot", "L2", "auction_result", "2021-01-10", result="sold", base_vnd=BN,
              amount_vnd=BN, party="Bà Y"),
        event(8, "lot", "L2", "payment", "2021-01-20", amount_vnd=1_200_000_000),  # paid over
    ]


def book_of(store, parcels_gdf):
    setup(store, parcels_gdf)
    store.write_layer("auction_lots", lots())
    store.append_progress(events(*ledger()))
    return load_book(store)


def lot_row(book, as_of, code):
    return book.auctions(as_of).set_index("lot_code").loc[code]


MONEY = ["won_vnd", "scheduled_vnd", "due_vnd", "collected_vnd", "outstanding_vnd",
         "overdue_vnd"]


def test_an_unsold_lot_auctioned_again_and_paid_for(store, parcels_gdf):
    book = book_of(store, parcels_gdf)
    r = lot_row(book, "2020-06-30", "L1")
    assert (r["result"], r["auction_date"], r["starting_price_vnd"]) == ("unsold",
                                                                        "2020-03-01", 4 * BN)
    assert pd.isna(r["winning_price_vnd"]) and r["winner"] is None
    assert list(r[MONEY]) == [0] * 6
    r = lot_row(book, "2020-08-31", "L1")  # the schedule of the sale is not known yet
    assert list(r[MONEY]) == [0] * 6
    r = lot_row(book, "2020-12-31", "L1")
    assert (r["result"], r["auction_date"], r["winner"]) == ("sold", "2020-09-01", "Công ty X")
    assert (r["starting_price_vnd"], r["winning_price_vnd"]) == (3_500_000_000, 4_200_000_000)
    assert list(r[MONEY]) == [4_200_000_000, 4_200_000_000, 2_100_000_000, 2_100_000_000,
                              2_100_000_000, 0]
    r = lot_row(book, "2021-03-31", "L1")  # second instalment due 01/03/2021, not paid
    assert (r["due_vnd"], r["collected_vnd"], r["outstanding_vnd"], r["overdue_vnd"]) == (
        4_200_000_000, 2_100_000_000, 2_100_000_000, 2_100_000_000)
    r = lot_row(book, "2021-04-30", "L1")
    assert (r["collected_vnd"], r["outstanding_vnd"], r["overdue_vnd"]) == (
        3_100_000_000, 1_100_000_000, 1_100_000_000)
    r = lot_row(book, "2021-04-30", "L2")  # paid more than won: nothing outstanding
    assert (r["won_vnd"], r["collected_vnd"], r["outstanding_vnd"], r["overdue_vnd"]) == (
        BN, 1_200_000_000, 0, 0)
    r = lot_row(book, "2021-04-30", "L3")
    assert pd.isna(r["result"]) and list(r[MONEY]) == [0] * 6
    assert r["parcels"] == 1
    assert list(book.auctions("2021-04-30", zone="KKT-T2")["lot_code"]) == ["L1"]


def test_revenue_by_zone_and_by_the_project_it_funds(store, parcels_gdf):
    book = book_of(store, parcels_gdf)
    by_zone, by_project = book.revenue("2021-04-30")
    z = by_zone.set_index("zone_code")
    assert z.loc["KKT-T2", ["lots_sold", "won_vnd", "collected_vnd", "outstanding_vnd",
                            "overdue_vnd"]].tolist() == [1, 4_200_000_000, 3_100_000_000,
                                                         1_100_000_000, 1_100_000_000]
    assert z.loc["KCN-T1", ["lots_sold", "won_vnd", "collected_vnd", "outstanding_vnd",
                            "overdue_vnd"]].tolist() == [1, BN, 1_200_000_000, 0, 0]
    p = by_project.set_index("funds_project_code")
    assert sorted(p.index) == ["DA-1", "DA-2"]
    assert p.loc["DA-2", ["won_vnd", "collected_vnd"]].tolist() == [4_200_000_000,
                                                                   3_100_000_000]
    assert p.loc["DA-1", ["won_vnd", "collected_vnd"]].tolist() == [BN, 1_200_000_000]
    by_zone, by_project = book.revenue("2020-06-30")
    assert by_zone["won_vnd"].sum() == 0 and by_project.empty
    by_zone, _ = book.revenue("2021-04-30", zone="KCN-T1")
    assert list(by_zone["zone_code"]) == ["KCN-T1"]


def test_auction_results_move_the_lots_parcels_in_the_status_ledger(store, parcels_gdf):
    setup(store, parcels_gdf)
    store.write_layer("auction_lots", lots())
    today = "2024-06-30"
    record_progress(store, pd.DataFrame([
        {"subject_kind": "lot", "subject_id": "L1", "kind": "auction_result",
         "effective_date": "2020-03-01", "result": "unsold", "base_vnd": 4 * BN,
         "document_no": "TB 1"}]), user="editor", today=today)
    ledger = store.read_table("status_events")
    status = current_status(ledger, ["23296-2-1", "23296-2-2", "23296-1-3"])
    assert list(status["auction_status"]) == ["unsold", "unsold", "not_planned"]
    result = record_progress(store, pd.DataFrame([
        {"subject_kind": "lot", "subject_id": "L1", "kind": "auction_result",
         "effective_date": "2020-09-01", "result": "sold", "base_vnd": 3_500_000_000,
         "amount_vnd": 4_200_000_000, "party": "Công ty X", "document_no": "QĐ 2",
         "document_date": "2020-09-02"}]), user="editor", today=today)
    assert list(result.status_events["parcel_id"]) == ["23296-2-1", "23296-2-2"]
    ledger = store.read_table("status_events")
    status = current_status(ledger, ["23296-2-1", "23296-2-2"])
    assert list(status["auction_status"]) == ["sold", "sold"]
    assert list(status["auction_status_document"]) == ["QĐ 2", "QĐ 2"]
    before = current_status(ledger, ["23296-2-1"], as_of="2020-08-31")
    assert before["auction_status"].iloc[0] == "unsold"
    assert lot_row(load_book(store), "2020-12-31", "L1")["won_vnd"] == 4_200_000_000
