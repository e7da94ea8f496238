"""The vocabularies of the data contract: each code with a Vietnamese and an English label.

User-facing text shows the Vietnamese label first. :mod:`landgis.contract` re-exports every
name here, so ``from landgis.contract import CLEARANCE_STATUS`` keeps working.

Examples
--------
>>> from landgis.vocabularies import CLEARANCE_STATUS
>>> CLEARANCE_STATUS.label("handed_over")
'đã bàn giao mặt bằng'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

__all__ = [
    "Vocabulary",
    "CLEARANCE_STATUS",
    "AUCTION_STATUS",
    "STATUS_FIELDS",
    "DEFAULT_STATUS",
    "ZONE_KIND",
    "ZONE_STATUS",
    "PLAN_FUNCTION",
    "LEASE_STATUS",
    "NOT_STATED",
    "OWNER_KIND",
    "LAND_USE",
    "VOCABULARIES",
    "LINEAGE_KIND",
    "PROGRESS_SUBJECT",
    "PROGRESS_KIND",
    "PROGRESS_KINDS_OF",
    "MILESTONE",
    "PROJECT_MILESTONES",
    "INVESTMENT_MILESTONES",
    "CAPITAL_SOURCE",
    "AUCTION_RESULT",
    "APPROVAL_KIND",
    "SCHEDULE_STATE",
]


@dataclass(frozen=True)
class Vocabulary:
    """An ordered list of codes, each with a Vietnamese and an English label."""

    name: str
    labels: Mapping[str, tuple[str, str]]

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(self.labels)

    def __contains__(self, code: object) -> bool:
        return code in self.labels

    def label(self, code: str, lang: str = "vi") -> str:
        vi, en = self.labels[code]
        return vi if lang == "vi" else en

    def rank(self, code: str) -> int:
        """Position of ``code`` in the vocabulary's order (its progress, for statuses)."""
        return self.codes.index(code)

    def lookup(self, text: str) -> str | None:
        """The code for a code or a label in either language, ignoring case and spacing.

        Returns None when nothing matches.
        """
        key = " ".join(str(text).split()).casefold()
        for code, (vi, en) in self.labels.items():
            if key in (code.casefold(), vi.casefold(), en.casefold()):
                return code
        return None


CLEARANCE_STATUS = Vocabulary(
    "clearance_status",
    {
        "not_started": ("chưa triển khai", "not started"),
        "inventoried": ("đã kiểm kê", "inventoried"),
        "plan_approved": ("đã phê duyệt phương án bồi thường", "compensation plan approved"),
        "compensated": ("đã chi trả", "compensated"),
        "handed_over": ("đã bàn giao mặt bằng", "site handed over"),
        "disputed": ("đang khiếu nại", "disputed"),
    },
)

AUCTION_STATUS = Vocabulary(
    "auction_status",
    {
        "not_planned": ("chưa có kế hoạch đấu giá", "not planned"),
        "planned": ("có trong kế hoạch đấu giá", "in the auction plan"),
        "dossier_ready": ("đã lập hồ sơ", "dossier ready"),
        "announced": ("đã thông báo", "announced"),
        "sold": ("đã trúng đấu giá", "sold"),
        "unsold": ("đấu giá không thành", "auction failed"),
    },
)

STATUS_FIELDS: dict[str, Vocabulary] = {
    "clearance_status": CLEARANCE_STATUS,
    "auction_status": AUCTION_STATUS,
}

#: The status a parcel has before any event is recorded for that field.
DEFAULT_STATUS = {"clearance_status": "not_started", "auction_status": "not_planned"}

ZONE_KIND = Vocabulary(
    "kind",
    {
        "kkt": ("khu kinh tế", "economic zone"),
        "kcn": ("khu công nghiệp", "industrial park"),
        "ccn": ("cụm công nghiệp", "industrial cluster"),
    },
)

ZONE_STATUS = Vocabulary(
    "status",
    {
        "planned": ("đang quy hoạch", "planned"),
        "under_construction": ("đang xây dựng", "under construction"),
        "operating": ("đang hoạt động", "operating"),
    },
)

PLAN_FUNCTION = Vocabulary(
    "function",
    {
        "factory": ("đất nhà máy, kho tàng", "factories"),
        "warehouse": ("đất kho bãi", "warehouses"),
        "admin_services": ("đất điều hành, dịch vụ", "administration and services"),
        "technical": ("đất hạ tầng kỹ thuật", "technical infrastructure"),
        "roads": ("đất giao thông", "roads"),
        "green": ("đất cây xanh", "green space"),
        "housing": ("đất nhà ở", "housing"),
        "water": ("mặt nước", "water"),
    },
)

LEASE_STATUS = Vocabulary(
    "lease_status",
    {
        "vacant": ("còn trống", "vacant"),
        "reserved": ("đã đăng ký", "reserved"),
        "leased": ("đã cho thuê", "leased"),
    },
)

#: The code of a value the source does not state (a land use or an owner kind the survey
#: file leaves out): it is a code of those vocabularies, never a national land-use code.
NOT_STATED = "not_stated"
_NOT_STATED_LABELS = ("chưa xác định", "not stated")

OWNER_KIND = Vocabulary(
    "owner_kind",
    {
        "household": ("hộ gia đình, cá nhân", "household"),
        "organization": ("tổ chức", "organization"),
        "state": ("nhà nước quản lý", "state"),
        NOT_STATED: _NOT_STATED_LABELS,
    },
)

#: The national land-use codes (the list in shared/reference/kontum-facts.md), and
#: :data:`NOT_STATED` for a parcel whose source gives none.
LAND_USE = Vocabulary(
    "land_use_code",
    {
        "SKK": ("đất khu công nghiệp", "industrial park land"),
        "SKN": ("đất cụm công nghiệp", "industrial cluster land"),
        "SKT": ("đất khu chế xuất", "export-processing zone land"),
        "SKC": ("đất cơ sở sản xuất phi nông nghiệp", "non-agricultural production land"),
        "TMD": ("đất thương mại, dịch vụ", "trade and services land"),
        "SKS": ("đất sử dụng cho hoạt động khoáng sản", "mining land"),
        "SKX": ("đất sản xuất vật liệu xây dựng", "building materials land"),
        "DGT": ("đất giao thông", "transport land"),
        "DTL": ("đất thủy lợi", "irrigation land"),
        "DNL": ("đất công trình năng lượng", "energy land"),
        "DBV": ("đất công trình bưu chính, viễn thông", "post and telecom land"),
        "DRA": ("đất bãi thải, xử lý chất thải", "waste land"),
        "DCH": ("đất chợ", "market land"),
        "DKV": ("đất khu vui chơi, giải trí công cộng", "public recreation land"),
        "DSH": ("đất sinh hoạt cộng đồng", "community land"),
        "TSC": ("đất xây dựng trụ sở cơ quan", "office land"),
        "ODT": ("đất ở tại đô thị", "urban housing land"),
        "ONT": ("đất ở tại nông thôn", "rural housing land"),
        "SON": ("đất sông, ngòi, kênh, rạch, suối", "rivers and streams"),
        "MNC": ("đất có mặt nước chuyên dùng", "special-use water"),
        "LUC": ("đất chuyên trồng lúa nước", "wet rice land"),
        "LUK": ("đất trồng lúa nước còn lại", "other rice land"),
        "LUN": ("đất trồng lúa nương", "upland rice land"),
        "BHK": ("đất bằng trồng cây hàng năm khác", "annual crops, flat land"),
        "NHK": ("đất nương rẫy trồng cây hàng năm khác", "annual crops, shifting"),
        "CLN": ("đất trồng cây lâu năm", "perennial crops"),
        "RSX": ("đất rừng sản xuất", "production forest"),
        "RPH": ("đất rừng phòng hộ", "protection forest"),
        "RDD": ("đất rừng đặc dụng", "special-use forest"),
        "NTS": ("đất nuôi trồng thủy sản", "aquaculture"),
        "NKH": ("đất nông nghiệp khác", "other farming land"),
        "CQP": ("đất quốc phòng", "defence land"),
        "CAN": ("đất an ninh", "security land"),
        "NTD": ("đất nghĩa trang, nghĩa địa", "cemeteries"),
        "BCS": ("đất bằng chưa sử dụng", "unused flat land"),
        "DCS": ("đất đồi núi chưa sử dụng", "unused hill land"),
        "NCS": ("núi đá không có rừng cây", "unused rocky land"),
        NOT_STATED: _NOT_STATED_LABELS,
    },
)

VOCABULARIES: dict[str, Vocabulary] = {
    v.name: v
    for v in (
        CLEARANCE_STATUS,
        AUCTION_STATUS,
        PLAN_FUNCTION,
        LEASE_STATUS,
        OWNER_KIND,
        LAND_USE,
    )
}

LINEAGE_KIND = Vocabulary(
    "kind",
    {
        "split": ("tách", "split"),
        "merge": ("gộp", "merge"),
    },
)

# ----------------------------------------------------------------- progress (issue 13)
# Projects, investments and auction lots each have events in the progress ledger
# (``progress_events``); see :mod:`landgis.progress`.

PROGRESS_SUBJECT = Vocabulary(
    "subject_kind",
    {
        "project": ("dự án đầu tư công", "public investment project"),
        "investment": ("dự án của nhà đầu tư", "investor project"),
        "lot": ("lô đấu giá", "auction lot"),
    },
)

PROGRESS_KIND = Vocabulary(
    "kind",
    {
        "investment_approved": ("phê duyệt tổng mức đầu tư", "total investment approved"),
        "capital_plan": ("kế hoạch vốn năm", "capital plan of the year"),
        "disbursement": ("giải ngân", "disbursement"),
        "milestone_planned": ("kế hoạch mốc tiến độ", "milestone planned"),
        "milestone_replanned": ("điều chỉnh mốc tiến độ", "milestone re-planned"),
        "milestone_reached": ("đạt mốc tiến độ", "milestone reached"),
        "extension": ("gia hạn tiến độ", "schedule extension"),
        "capital_contributed": ("góp vốn", "capital contributed"),
        "progress_report": ("báo cáo tiến độ", "progress report"),
        "inspection": ("kiểm tra", "inspection"),
        "violation": ("vi phạm", "violation"),
        "revocation": ("thu hồi, chấm dứt dự án", "revocation"),
        "auction_result": ("kết quả đấu giá", "auction result"),
        "payment_due": ("kỳ nộp tiền trúng đấu giá", "payment due"),
        "payment": ("nộp tiền trúng đấu giá", "payment received"),
    },
)

#: Which event kinds each subject may have.
PROGRESS_KINDS_OF = {
    "project": ("investment_approved", "capital_plan", "disbursement", "milestone_planned",
                "milestone_replanned", "milestone_reached", "progress_report", "inspection"),
    "investment": ("milestone_reached", "extension", "capital_contributed", "progress_report",
                   "inspection", "violation", "revocation"),
    "lot": ("auction_result", "payment_due", "payment"),
}

MILESTONE = Vocabulary(
    "milestone",
    {
        # public investment projects
        "policy": ("chủ trương đầu tư", "investment policy"),
        "feasibility": ("phê duyệt dự án (báo cáo nghiên cứu khả thi)", "feasibility approval"),
        "tender": ("lựa chọn nhà thầu", "tender"),
        "construction_start": ("khởi công", "construction start"),
        "completion": ("hoàn thành", "completion"),
        "handover": ("bàn giao đưa vào sử dụng", "handover"),
        # investors' committed milestones
        "land_handover": ("nhận bàn giao đất", "land handover"),
        "operation": ("đi vào hoạt động", "operation"),
        "capital": ("góp đủ vốn", "capital contributed in full"),
    },
)

PROJECT_MILESTONES = ("policy", "feasibility", "tender", "construction_start", "completion",
                      "handover")
INVESTMENT_MILESTONES = ("land_handover", "construction_start", "operation", "capital")

CAPITAL_SOURCE = Vocabulary(
    "source",
    {
        "provincial_budget": ("ngân sách tỉnh", "provincial budget"),
        "central_budget": ("ngân sách trung ương", "central budget"),
        "auction_revenue": ("nguồn thu đấu giá quyền sử dụng đất", "auction revenue"),
        "land_levy": ("tiền sử dụng đất", "land levy"),
        "oda": ("vốn ODA", "ODA"),
        "other": ("nguồn khác", "other"),
    },
)

AUCTION_RESULT = Vocabulary(
    "result",
    {
        "sold": ("đã trúng đấu giá", "sold"),
        "unsold": ("đấu giá không thành", "auction failed"),
    },
)

APPROVAL_KIND = Vocabulary(
    "approval_kind",
    {
        "policy_approval": ("chấp thuận chủ trương đầu tư", "investment policy approval"),
        "registration": ("giấy chứng nhận đăng ký đầu tư", "investment registration certificate"),
    },
)

SCHEDULE_STATE = Vocabulary(
    "schedule_state",
    {
        "on_schedule": ("đúng tiến độ", "on schedule"),
        "behind": ("chậm tiến độ", "behind schedule"),
        "revocable": ("đủ điều kiện thu hồi", "revocable"),
        "revoked": ("đã thu hồi", "revoked"),
    },
)
