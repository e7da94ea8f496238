"""The contract's layers of the Board's progress (issue 13): the registers of investments and
auction lots and the progress ledger. Re-exported by :mod:`landgis.contract`, which lists them in
``LAYERS`` with the others."""

from __future__ import annotations

from landgis.layer_spec import Layer, _c
from landgis.vocabularies import (
    APPROVAL_KIND,
    AUCTION_RESULT,
    CAPITAL_SOURCE,
    MILESTONE,
    PROGRESS_KIND,
    PROGRESS_SUBJECT,
)


#: Investor projects in the zones (issue 13): the registration as the certificate or decision
#: states it. The plots and parcels are linked by code (``;``-separated), never copied; the
#: committed milestone dates are those of the certificate, later moved only by ``extension``
#: events in the progress ledger.
INVESTMENTS = Layer(
    "investments",
    (
        _c("investment_id", "str", vi="mã dự án đầu tư", en="investment id"),
        _c("investor", "str", vi="nhà đầu tư", en="investor"),
        _c("project_name", "str", vi="tên dự án", en="project name"),
        _c("approval_kind", "str", vocabulary=APPROVAL_KIND, vi="loại văn bản",
           en="approval kind"),
        _c("certificate_no", "str", vi="số quyết định/GCN đăng ký đầu tư",
           en="decision or certificate no."),
        _c("certificate_date", "date", vi="ngày cấp", en="certificate date"),
        _c("zone_code", "str", vi="mã khu", en="zone code"),
        _c("plot_codes", "str", required=False, vi="lô quy hoạch", en="zoning plots"),
        _c("parcel_ids", "str", required=False, vi="thửa đất", en="parcels"),
        _c("leased_area_m2", "float", required=False, vi="diện tích thuê (m²)",
           en="leased area (m²)"),
        _c("committed_capital_vnd", "int", required=False, vi="vốn đăng ký (đồng)",
           en="committed capital (VND)"),
        _c("land_handover_due", "date", required=False, vi="hạn nhận bàn giao đất",
           en="land handover due"),
        _c("construction_start_due", "date", required=False, vi="hạn khởi công",
           en="construction start due"),
        _c("operation_due", "date", required=False, vi="hạn đi vào hoạt động",
           en="operation due"),
        _c("capital_due", "date", required=False, vi="hạn góp đủ vốn", en="capital due"),
        _c("source", "str", vi="nguồn số liệu", en="data source"),
    ),
    key="investment_id",
    title_vi="Dự án của nhà đầu tư",
    title_en="Investor projects",
)

#: Lots of land-use rights put to auction (the lots of the dossier export), with the parcels
#: they hold (``;``-separated ids) and the project their revenue funds.
AUCTION_LOTS = Layer(
    "auction_lots",
    (
        _c("lot_code", "str", vi="mã lô đấu giá", en="lot code"),
        _c("zone_code", "str", vi="mã khu", en="zone code"),
        _c("name_vi", "str", vi="tên lô", en="lot name"),
        _c("parcel_ids", "str", vi="thửa đất", en="parcels"),
        _c("area_m2", "float", required=False, vi="diện tích (m²)", en="area (m²)"),
        _c("funds_project_code", "str", required=False, vi="dự án được đầu tư từ nguồn thu",
           en="project funded"),
        _c("source", "str", vi="nguồn số liệu", en="data source"),
    ),
    key="lot_code",
    title_vi="Lô đấu giá quyền sử dụng đất",
    title_en="Auction lots",
)

#: The progress ledger (append-only, like ``status_events``): the events of projects,
#: investments and auction lots. Money is whole VND; ``year`` is the plan year of a capital
#: plan; ``planned_date`` the date a milestone or payment is planned for; ``base_vnd`` the
#: starting price of an auction; ``party`` its winner; ``flags`` ``over_plan`` for a
#: disbursement recorded above the year's plan on purpose.
PROGRESS_EVENTS = Layer(
    "progress_events",
    (
        _c("event_id", "str", vi="mã sự kiện", en="event id"),
        _c("subject_kind", "str", vocabulary=PROGRESS_SUBJECT, vi="đối tượng", en="subject"),
        _c("subject_id", "str", vi="mã đối tượng", en="subject id"),
        _c("kind", "str", vocabulary=PROGRESS_KIND, vi="loại sự kiện", en="event kind"),
        _c("effective_date", "date", vi="ngày", en="date"),
        _c("year", "int", required=False, vi="năm kế hoạch", en="plan year"),
        _c("source", "str", required=False, vocabulary=CAPITAL_SOURCE, vi="nguồn vốn",
           en="capital source"),
        _c("milestone", "str", required=False, vocabulary=MILESTONE, vi="mốc", en="milestone"),
        _c("planned_date", "date", required=False, vi="ngày kế hoạch", en="planned date"),
        _c("amount_vnd", "int", required=False, vi="số tiền (đồng)", en="amount (VND)"),
        _c("base_vnd", "int", required=False, vi="giá khởi điểm (đồng)",
           en="starting price (VND)"),
        _c("party", "str", required=False, vi="người trúng đấu giá", en="winner"),
        _c("result", "str", required=False, vocabulary=AUCTION_RESULT, vi="kết quả",
           en="result"),
        _c("flags", "str", required=False, vi="đánh dấu", en="flags"),
        _c("document_no", "str", vi="số văn bản", en="document number"),
        _c("document_date", "date", required=False, vi="ngày văn bản", en="document date"),
        _c("note", "str", required=False, vi="ghi chú", en="note"),
        _c("recorded_by", "str", vi="người ghi", en="recorded by"),
        _c("recorded_at", "datetime", vi="thời điểm ghi", en="recorded at"),
        _c("corrects_event_id", "str", required=False, vi="đính chính sự kiện",
           en="corrects event"),
    ),
    key="event_id",
    title_vi="Sổ theo dõi tiến độ",
    title_en="Progress ledger",
)
