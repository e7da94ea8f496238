"""Synthetic data of the ``progress_asof`` bench case (scripts/bench_progress.py): a plausible
decade of the Board's progress ledger, seeded, written through the stores' own API.

1,000 investor projects with ten years of events (2015-2024: land handed over, construction
started, operation, extensions, capital contributions, yearly reports, inspections, violations,
revocations, corrections), 50 public projects (approvals, yearly capital plans per source,
disbursements, milestones planned, re-planned, reached) and 300 auction lots (results,
re-auctions, payment schedules, payments).
"""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from landgis import contract

ZONES = ("KCN-HB1", "KCN-HB2", "KKT-BOY")
START, END = dt.date(2015, 1, 1), dt.date(2024, 12, 31)
AS_OF = ("2024-12-31", "2020-06-30")
SCHEMA = "progress_bench"
BN = 1_000_000_000


def _day(d: dt.date) -> str:
    return d.isoformat()


def synthetic(n_investments: int = 1000, n_projects: int = 50, n_lots: int = 300,
              seed: int = 13) -> dict[str, pd.DataFrame]:
    """Registers and ledger of a plausible decade, as plain frames with the contract's
    columns (``projects`` with point geometries in EPSG:9216)."""
    rng = np.random.default_rng(seed)
    events: list[dict] = []

    def add(kind_subject, subject, kind, day: dt.date, **kw):
        if day > END:
            return None
        eid = f"b{len(events):06d}"
        events.append({"event_id": eid, "subject_kind": kind_subject, "subject_id": subject,
                       "kind": kind, "effective_date": _day(day),
                       "document_no": f"{len(events)}/VB", "recorded_by": "bench",
                       "recorded_at": f"{_day(day)}T09:00:00+07:00", **kw})
        return eid

    def later(day: dt.date, lo: int, hi: int) -> dt.date:
        return day + dt.timedelta(days=int(rng.integers(lo, hi)))

    span = (dt.date(2022, 12, 31) - START).days
    inv_rows = []
    for i in range(n_investments):
        iid = f"NDT-{i:04d}"
        cert = later(START, 0, span)
        lh = later(cert, 90, 270)
        cs = later(lh, 180, 540)
        op = later(cs, 365, 900)
        cap = int(rng.integers(10, 500)) * BN
        inv_rows.append({
            "investment_id": iid, "investor": f"Công ty {i}", "project_name": f"Nhà máy {i}",
            "approval_kind": "policy_approval" if rng.random() < 0.6 else "registration",
            "certificate_no": f"{i}/QĐ-BQL", "certificate_date": _day(cert),
            "zone_code": ZONES[i % 3], "plot_codes": f"P-{i:04d}", "parcel_ids": None,
            "leased_area_m2": float(rng.integers(5, 200)) * 1000,
            "committed_capital_vnd": cap, "land_handover_due": _day(lh),
            "construction_start_due": _day(cs), "operation_due": _day(op),
            "capital_due": _day(op), "source": "illustrative"})
        p = "investment"
        if rng.random() < 0.9:
            got = later(lh, -30, 200)
            add(p, iid, "milestone_reached", got, milestone="land_handover")
            if rng.random() < 0.7:
                started = later(max(cs, got), -30, 500)
                add(p, iid, "milestone_reached", started, milestone="construction_start")
                if rng.random() < 0.6:
                    add(p, iid, "milestone_reached", later(max(op, started), -30, 700),
                        milestone="operation")
        for _ in range(int(rng.integers(0, 3)) if rng.random() < 0.3 else 0):
            add(p, iid, "extension", later(cert, 200, 1500), milestone="operation",
                planned_date=_day(later(op, 180, 1100)))
        share = rng.uniform(0.5, 1.1)
        parts = rng.dirichlet(np.ones(int(rng.integers(3, 9))))
        for part in parts:
            eid = add(p, iid, "capital_contributed", later(cert, 30, 1460),
                      amount_vnd=max(1, int(cap * share * part)))
            if eid and rng.random() < 0.02:
                add(p, iid, "capital_contributed", later(dt.date.fromisoformat(
                    events[-1]["effective_date"]), 0, 30), amount_vnd=max(1, int(cap * part)),
                    corrects_event_id=eid)
        for year in range(cert.year + 1, END.year + 1):
            add(p, iid, "progress_report", dt.date(year, 1, 15), note=f"báo cáo {year}")
        for _ in range(int(rng.integers(0, 4))):
            add(p, iid, "inspection", later(cert, 100, 3000))
        for _ in range(int(rng.integers(0, 3))):
            add(p, iid, "violation", later(cert, 100, 3000))
        if rng.random() < 0.03:
            add(p, iid, "revocation", later(op, 365, 1500))

    sources = ("provincial_budget", "central_budget", "auction_revenue")
    proj_rows, points = [], []
    milestones = ("policy", "feasibility", "tender", "construction_start", "completion",
                  "handover")
    for j in range(n_projects):
        code = f"DA-{j:03d}"
        proj_rows.append({"project_code": code, "name_vi": f"Dự án {j}",
                          "kind": "infrastructure", "zone_code": ZONES[j % 3],
                          "budget_vnd": None, "disbursed_vnd": None, "progress_pct": None})
        points.append(shapely.Point(552_000 + 100 * j, 1_590_000))
        p = "project"
        approved = later(START, 0, 1000)
        total = int(rng.integers(50, 900)) * BN
        add(p, code, "investment_approved", approved, amount_vnd=total)
        if rng.random() < 0.3:
            add(p, code, "investment_approved", later(approved, 400, 1500),
                amount_vnd=int(total * 1.2))
        day = approved
        for m in milestones:
            day = later(day, 60, 500)
            add(p, code, "milestone_planned", approved, milestone=m, planned_date=_day(day))
            due = day
            if rng.random() < 0.3:
                due = later(day, 90, 700)
                add(p, code, "milestone_replanned", later(approved, 30, 900), milestone=m,
                    planned_date=_day(due))
            if rng.random() < 0.6:
                add(p, code, "milestone_reached", later(max(due, approved), -60, 300),
                    milestone=m)
        for year in range(approved.year, END.year + 1):
            for source in sources[:int(rng.integers(1, 4))]:
                plan = int(rng.integers(5, 80)) * BN
                add(p, code, "capital_plan", dt.date(year, 1, 10), year=year, source=source,
                    amount_vnd=plan)
                if rng.random() < 0.3:
                    add(p, code, "capital_plan", dt.date(year, 7, 1), year=year,
                        source=source, amount_vnd=int(plan * 0.8))
            for _ in range(4):
                add(p, code, "disbursement", later(max(dt.date(year, 1, 11), approved), 0, 300),
                    amount_vnd=int(rng.integers(1, 15)) * BN)

    lot_rows = []
    for k in range(n_lots):
        code = f"LO-{k:04d}"
        fund = f"DA-{int(rng.integers(0, n_projects)):03d}" if rng.random() < 0.7 else None
        lot_rows.append({"lot_code": code, "zone_code": ZONES[k % 3], "name_vi": f"Lô {k}",
                         "parcel_ids": f"X-{k}-1;X-{k}-2", "area_m2": None,
                         "funds_project_code": fund, "source": "illustrative"})
        if rng.random() > 0.7:
            continue
        p = "lot"
        day = later(START, 0, 3000)
        base = int(rng.integers(1, 30)) * BN
        if rng.random() < 0.2:
            add(p, code, "auction_result", day, result="unsold", base_vnd=base)
            day = later(day, 90, 400)
        price = int(base * rng.uniform(1.0, 1.6))
        if add(p, code, "auction_result", day, result="sold", base_vnd=base, amount_vnd=price,
               party=f"Người mua {k}") is None:
            continue
        for n in range(3):
            add(p, code, "payment_due", day, planned_date=_day(later(day, 30 + 90 * n,
                                                                      31 + 90 * n)),
                amount_vnd=price // 3)
        for n in range(int(rng.integers(0, 4))):
            add(p, code, "payment", later(day, 20 + 90 * n, 120 + 90 * n),
                amount_vnd=price // 3)

    ev = pd.DataFrame(events).reindex(columns=list(contract.PROGRESS_EVENTS.column_names))
    return {
        "investments": pd.DataFrame(inv_rows),
        "projects": gpd.GeoDataFrame(pd.DataFrame(proj_rows), geometry=points, crs=9216),
        "auction_lots": pd.DataFrame(lot_rows),
        "progress_events": ev,
    }


def write_store(store, data: dict[str, pd.DataFrame]) -> None:
    """The registers by write_layer, the ledger by append_progress: the stores' own API."""
    for name in ("projects", "investments", "auction_lots"):
        store.write_layer(name, data[name])
    ev = data["progress_events"]
    plain = ev[ev["corrects_event_id"].isna()]
    store.append_progress(plain)
    store.append_progress(ev[ev["corrects_event_id"].notna()])
