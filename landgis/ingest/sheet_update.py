"""A survey of some sheets updates those sheets: what it adds, changes and removes, which new
parcel succeeds which removed one (lineage), and the statuses that carry over.

The parcels a file covers are those of the (commune_code, sheet_no) pairs present in it, and
any parcel whose id it holds; the rest of the layer stays. :func:`plan_sheet_update` compares
the file with the stored parcels and the ledger; nothing is written here. The store writes the
result with :meth:`landgis.store.base.Store.update_layer`, in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import shapely

from landgis import contract
from landgis.ingest.status_list import _AUCTION_RANK, _CLEARANCE_ORDER, now_vn
from landgis.ledger import current_status
from landgis.validation import Finding, _point

#: a geometry whose symmetric difference with the stored one is smaller is unchanged (m²)
GEOMETRY_TOLERANCE_M2 = 0.01
#: a new parcel is a removed one's successor when this part of it lies inside that parcel
#: (split), or this part of each removed parcel lies inside it (merge)
LINEAGE_SHARE = 0.95
#: the placeholder the store replaces by the batch id in carried events
BATCH = "{batch}"

KIND_WORDS = {"split": ("tách", "split"), "merge": ("gộp", "merge")}


def _rank(field_name: str, value: str) -> int:
    """How far a status has come (the order of the vocabulary that ``is_backwards`` uses);
    ``disputed`` counts as the least advanced clearance status."""
    if field_name == "clearance_status":
        return _CLEARANCE_ORDER.index(value) if value in _CLEARANCE_ORDER else -1
    return _AUCTION_RANK.get(value, -1)


@dataclass
class SheetUpdate:
    """What updating the covered sheets does to the parcels layer."""

    sheets: list[tuple[str, int]]
    added: list[str]
    changed: list[str]
    unchanged: int
    removed: list[str]
    with_history: list[str]   # removed parcels the ledger holds events of
    orphaned: list[str]       # of those, the ones no new parcel succeeds
    lineage: pd.DataFrame     # parent_id, child_id, kind, share
    events: pd.DataFrame      # the carried statuses; "{batch}" in ids and documents
    findings: list[Finding] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {"added": len(self.added), "changed": len(self.changed),
                "unchanged": self.unchanged, "removed": len(self.removed),
                "removed_with_history": len(self.with_history),
                "orphaned": len(self.orphaned), "lineage": len(self.lineage),
                "carried_events": len(self.events)}

    def notes(self) -> list[str]:
        sheets = ", ".join(f"{c}/{s}" for c, s in self.sheets[:10]) + (
            f" (+{len(self.sheets) - 10})" if len(self.sheets) > 10 else "")
        out = [f"cập nhật tờ (xã/tờ) / sheets updated (commune/sheet): {sheets}; các thửa khác "
               "giữ nguyên / every other parcel stays",
               f"thửa / parcels: {len(self.added)} thêm / added, {len(self.changed)} đổi / "
               f"changed, {self.unchanged} không đổi / unchanged, {len(self.removed)} bỏ / "
               f"removed; {len(self.lineage)} nguồn gốc (tách, gộp) / lineage (split, merge), "
               f"{len(self.events)} trạng thái kế thừa / statuses carried over"]
        if self.with_history:
            out.append(self.history_note())
        return out

    def history_note(self) -> str:
        text = (f"thửa bị bỏ có lịch sử trạng thái / removed parcels with status history: "
                f"{', '.join(self.with_history)}")
        if self.orphaned:
            text += (f"; không có thửa kế thừa / with no successor: "
                     f"{', '.join(self.orphaned)}")
        return text

    def refusal(self) -> str | None:
        """Why the update needs confirming: statuses that nothing would carry on."""
        if not self.orphaned:
            return None
        shown = ", ".join(self.orphaned[:20]) + (
            f" và / and {len(self.orphaned) - 20} more" if len(self.orphaned) > 20 else "")
        return (f"{len(self.orphaned)} thửa bị bỏ có lịch sử trạng thái mà không thửa mới nào "
                f"kế thừa / removed parcel(s) with status history and no successor: {shown}; "
                "trạng thái của chúng sẽ mồ côi, cần xác nhận việc bỏ / their statuses would be "
                "orphaned: their removal must be confirmed")


def _same(a, b) -> bool:
    missing_a = a is None or (isinstance(a, float) and np.isnan(a)) or a is pd.NA
    missing_b = b is None or (isinstance(b, float) and np.isnan(b)) or b is pd.NA
    if missing_a or missing_b:
        return missing_a and missing_b
    if isinstance(a, (int, float, np.number)) and isinstance(b, (int, float, np.number)):
        return bool(np.isclose(float(a), float(b), rtol=0, atol=1e-9))
    return str(a) == str(b)


def _sheet_pairs(df: pd.DataFrame) -> pd.Series:
    sheet = pd.to_numeric(df["sheet_no"], errors="coerce")
    return pd.Series([(str(c), int(s)) if pd.notna(s) and c is not None else None
                      for c, s in zip(df["commune_code"], sheet)], index=df.index, dtype=object)


def _changed(new: pd.DataFrame, old: pd.DataFrame) -> list[str]:
    """Ids of ``new`` (indexed by parcel_id) whose geometry or attributes differ in ``old``."""
    ids = new.index
    old = old.loc[ids]
    a = np.asarray(new.geometry.values, dtype=object)
    b = np.asarray(old.geometry.values, dtype=object)
    moved = shapely.area(shapely.symmetric_difference(a, b)) >= GEOMETRY_TOLERANCE_M2
    columns = [c for c in contract.PARCELS.column_names if c != "parcel_id"
               and (c in new.columns or c in old.columns)]
    out = []
    for i, pid in enumerate(ids):
        if moved[i] or any(not _same(new[c].iloc[i] if c in new.columns else None,
                                     old[c].iloc[i] if c in old.columns else None)
                           for c in columns):
            out.append(pid)
    return out


def _lineage(children: pd.DataFrame, parents: pd.DataFrame) -> pd.DataFrame:
    """Split and merge rows between added parcels and removed ones (both indexed by id)."""
    rows = []
    if len(children) and len(parents):
        cg = np.asarray(children.geometry.values, dtype=object)
        pg = np.asarray(parents.geometry.values, dtype=object)
        ci, pi = shapely.STRtree(pg).query(cg, predicate="intersects")
        inter = shapely.area(shapely.intersection(cg[ci], pg[pi]))
        carea, parea = shapely.area(cg[ci]), shapely.area(pg[pi])
        pairs = pd.DataFrame({"c": ci, "p": pi, "inside": inter / np.maximum(carea, 1e-12),
                              "covered": inter / np.maximum(parea, 1e-12)})
        for c, group in pairs.groupby("c", sort=True):
            child = children.index[c]
            best = group.loc[group["inside"].idxmax()]
            if best["inside"] >= LINEAGE_SHARE:
                rows.append((parents.index[int(best["p"])], child, "split",
                             round(float(best["covered"]), 6)))
                continue
            for r in group[group["covered"] >= LINEAGE_SHARE].itertuples():
                rows.append((parents.index[int(r.p)], child, "merge",
                             round(float(r.inside), 6)))
    return pd.DataFrame(rows, columns=["parent_id", "child_id", "kind", "share"])


def _carried(lineage: pd.DataFrame, ledger: pd.DataFrame | None, children: pd.DataFrame,
             user: str, now: str) -> tuple[pd.DataFrame, list[Finding]]:
    """The parents' current statuses as new events of their successors."""
    columns = list(contract.STATUS_EVENTS.column_names)
    if ledger is None or not len(ledger) or not len(lineage):
        return pd.DataFrame(columns=columns), []
    status = current_status(ledger[ledger["parcel_id"].isin(lineage["parent_id"])])
    events, findings = [], []
    for child, group in lineage.groupby("child_id", sort=True):
        parents = [p for p in group["parent_id"] if p in status.index]
        kind = group["kind"].iloc[0]
        vi, en = KIND_WORDS[kind]
        names = ", ".join(group["parent_id"])
        for name in contract.STATUS_FIELDS:
            held = [(p, status.loc[p, name], status.loc[p, f"{name}_date"]) for p in parents
                    if pd.notna(status.loc[p, f"{name}_date"])]
            if not held:
                continue
            parent, value, date = min(held, key=lambda h: (_rank(name, h[1]), h[0]))
            if len({h[1] for h in held}) > 1:
                findings.append(Finding(
                    "warning", "lineage_status",
                    f"thửa {child} gộp từ thửa có {name} khác nhau / merged from parcels of "
                    f"different {name}: " + ", ".join(f"{p} {v}" for p, v, _d in held)
                    + f"; lấy trạng thái thấp nhất / the least advanced is taken: {value}",
                    child, *_point(children.geometry.loc[child])))
            events.append({
                "event_id": f"{BATCH}-lineage-{len(events) + 1}", "parcel_id": child,
                "field": name, "value": value, "effective_date": str(date)[:10],
                "document_no": f"lô nhập / import batch {BATCH}", "document_date": None,
                "note": f"kế thừa từ thửa {names} ({vi}) / carried from parcel"
                        f"{'s' if len(group) > 1 else ''} {names} ({en})",
                "recorded_by": user, "recorded_at": now, "corrects_event_id": None})
    return pd.DataFrame(events, columns=columns), findings


def plan_sheet_update(frame: pd.DataFrame, current: pd.DataFrame,
                      ledger: pd.DataFrame | None, *, user: str) -> SheetUpdate:
    """Compare a checked parcels ``frame`` with the ``current`` layer and the ledger."""
    new = frame.set_index("parcel_id", drop=False)
    old = current.set_index("parcel_id", drop=False)
    pairs = _sheet_pairs(frame)
    sheets = sorted({p for p in pairs if p is not None})
    covered = _sheet_pairs(current).isin(sheets).to_numpy() | \
        current["parcel_id"].isin(new.index).to_numpy()
    replaced = old[covered]
    kept_ids = set(replaced.index)
    added = [p for p in new.index if p not in old.index]
    both = new[new.index.isin(kept_ids)]
    changed = _changed(both, old) if len(both) else []
    removed = [p for p in replaced.index if p not in new.index]
    lineage = _lineage(new.loc[added], old.loc[removed])
    known = set(ledger["parcel_id"].astype(str)) if ledger is not None and len(ledger) else set()
    with_history = sorted(p for p in removed if p in known)
    succeeded = set(lineage["parent_id"])
    orphaned = [p for p in with_history if p not in succeeded]
    events, findings = _carried(lineage, ledger, new, user, now_vn())
    return SheetUpdate(sheets, added, changed, len(both) - len(changed), sorted(removed),
                       with_history, orphaned, lineage, events, findings)
