"""The registers of investments and auction lots: every refusal of
landgis.progress.registers listed and nothing written; values as people write them; plots
freed by a revocation, parcels freed by a failed auction. Both backends."""

import pandas as pd
import pytest

from landgis.progress import ProgressError, load_book
from landgis.progress.registers import record_register
from tests.conftest import snapshot
from tests.progress_ledger_data import TODAY, event, events, investment, lot, register, setup


def refused(store, name, rows):
    before = snapshot(store)
    with pytest.raises(ProgressError) as err:
        record_register(store, name, pd.DataFrame(rows), user="editor",
                        source_name="danhmuc.xlsx", today=TODAY)
    assert snapshot(store) == before
    return [p.message for p in err.value.problems]


def test_investments_refused_for_every_reason(store, parcels_gdf):
    setup(store, parcels_gdf)
    record_register(store, "investments", register([investment("I1", plot_codes="P1")],
                                                   "investments"), user="e", source_name="a")
    rows = [
        {**investment("I2", plot_codes="P9", zone_code="KCN-XX"), "source_row": 2},
        {**investment("I3", plot_codes="P1"), "source_row": 3},
        {**investment("I4", parcel_ids="23296-1-1;no-such", certificate_date="01/03/2030"),
         "source_row": 4},
        {**investment("I5", plot_codes="P2", certificate_date="01/03/2018",
                      land_handover_due="01/06/2017"), "source_row": 5},
        {**investment("I6"), "source_row": 6},
        {**investment("I7", plot_codes="P2"), "source_row": 7},  # P2 taken by I5 above
    ]
    messages = refused(store, "investments", rows)
    expected = [
        "row 2: investment I2: khu 'KCN-XX' không có trong lớp khu / zone "
        "'KCN-XX' is not in the zones layer",
        "row 2: investment I2: lô 'P9' không có trong dữ liệu / plot 'P9' is "
        "not in the store",
        "row 3: investment I3: lô P1 đã thuộc dự án I1 đang hoạt động / plot P1 "
        "is already occupied by live investment I1",
        "row 4: investment I4: ngày cấp 01/03/2030 ở tương lai / the "
        "certificate date 01/03/2030 is in the future",
        "row 4: investment I4: thửa 'no-such' không có trong dữ liệu / parcel "
        "'no-such' is not in the store",
        "row 5: investment I5: hạn land_handover 01/06/2017 trước ngày cấp "
        "(01/03/2018) / the committed land_handover date 01/06/2017 is before the certificate "
        "(01/03/2018)",
        "row 6: investment I6: không có lô quy hoạch hay thửa đất nào / no "
        "zoning plot or parcel: an investment occupies land",
        "row 7: investment I7: lô P2 đã thuộc dự án I5 đang hoạt động / plot P2 "
        "is already occupied by live investment I5",
    ]
    assert sorted(messages) == sorted(expected)
    messages = refused(store, "investments", [investment("I8", plot_codes="P3"),
                                              investment("I8", plot_codes="P3")])
    assert any("I8 is given twice" in m for m in messages)
    messages = refused(store, "investments", [investment(
        "I9", plot_codes="P3", committed_capital_vnd="năm mươi tỷ", operation_due="31/02/2020")])
    assert any("committed_capital_vnd: 'năm mươi tỷ' không phải số tiền" in m for m in messages)
    assert any("operation_due: '31/02/2020' không có trong lịch" in m for m in messages)


def test_values_as_people_write_them_and_an_update_keeps_other_rows(store, parcels_gdf):
    setup(store, parcels_gdf)
    record_register(store, "investments", register([investment("I1", plot_codes="P1")],
                                                   "investments"), user="e", source_name="a")
    record_register(store, "investments", pd.DataFrame([investment(
        "I2", plot_codes="P2", approval_kind="giấy chứng nhận đăng ký đầu tư",
        certificate_date="01/03/2018", committed_capital_vnd="50 tỷ",
        operation_due="30/06/2020")]), user="e", source_name="b.xlsx", today=TODAY)
    stored = store.read_table("investments").set_index("investment_id")
    assert sorted(stored.index) == ["I1", "I2"]
    assert stored.loc["I2", ["approval_kind", "certificate_date", "committed_capital_vnd",
                             "operation_due"]].tolist() == [
        "registration", "2018-03-01", 50_000_000_000, "2020-06-30"]


def test_a_revoked_investment_frees_its_plot(store, parcels_gdf):
    setup(store, parcels_gdf)
    record_register(store, "investments", register([investment("I1", plot_codes="P1")],
                                                   "investments"), user="e", source_name="a")
    store.append_progress(events(event(1, "investment", "I1", "revocation", "2023-01-10")))
    record_register(store, "investments", register([investment("I2", plot_codes="P1")],
                                                   "investments"), user="e", source_name="b",
                    today=TODAY)
    states = load_book(store).investments(TODAY).set_index("investment_id")["state"]
    assert states.to_dict() == {"I1": "revoked", "I2": "on_schedule"}


def test_lots_refused_for_every_reason_and_a_failed_lots_parcels_freed(store, parcels_gdf):
    setup(store, parcels_gdf)
    record_register(store, "auction_lots", register([lot("L1", "23296-1-1"),
                                                     lot("L2", "23296-1-2")], "auction_lots"),
                    user="e", source_name="a")
    store.append_progress(events(event(1, "lot", "L2", "auction_result", "2021-03-01",
                                       result="unsold")))
    rows = [
        {**lot("L3", "23296-1-1;no-such", zone_code="KCN-XX", funds_project_code="DA-9"),
         "source_row": 2},
    ]
    messages = refused(store, "auction_lots", rows)
    assert sorted(messages) == sorted([
        "row 2: lot L3: khu 'KCN-XX' không có trong lớp khu / zone 'KCN-XX' is not "
        "in the zones layer",
        "row 2: lot L3: dự án 'DA-9' không có trong lớp dự án / project 'DA-9' is "
        "not in the projects layer",
        "row 2: lot L3: thửa 23296-1-1 đã thuộc lô L1 / parcel 23296-1-1 is "
        "already in lot L1",
        "row 2: lot L3: thửa 'no-such' không có trong dữ liệu / parcel 'no-such' is "
        "not in the store",
    ])
    with pytest.raises(ProgressError) as err:
        record_register(store, "auction_lots", pd.DataFrame([lot("L4", " ")]), user="e",
                        source_name="c")
    problems = [str(p) for p in err.value.problems]
    assert problems == ["auction_lots, column 'parcel_ids': empty value in 'L4'"]
    # L2 failed at auction: its parcel may go into a new lot
    record_register(store, "auction_lots", register([lot("L5", "23296-1-2",
                                                         funds_project_code="DA-1")],
                                                    "auction_lots"), user="e", source_name="b")
    assert sorted(store.read_table("auction_lots")["lot_code"]) == ["L1", "L2", "L5"]
