"""The progress of the demo (issue 13): investors in the zones, the Bờ Y auction lots, and the
events of the projects of the Board's 2019 review, from the hand-made tables of
``layers/sources/``.

- ``investments.csv``: one investor project a row. In the parks it names its zoning plots
  (``plot_codes``); in the Bờ Y zone it takes the ``parcels`` parcels of sub-area ``area_code``
  nearest to ``lat``/``lon`` (roads and streams left out), so that it holds land whatever the
  build seed. The leased area is the plane area of that land.
- ``auction_lots.csv``: the lots of land-use rights put to auction in the Bờ Y zone, their
  parcels taken the same way (lots first, then investments, none twice);
  ``planned_auction_date`` dates the auction of a lot not auctioned yet.
- ``progress_events.csv``: the ledger's events in the contract's columns, dates day first or
  ISO, amounts as the Board writes them (``1.234.567.890``, ``1,2 tỷ``).

Names, decisions and areas are the published facts of ``kontum-facts.md``; every other figure,
name, date and document number is illustrative and says so (``source`` of the registers, the
``note`` of each event). :func:`record_demo_progress` loads it all through the core
(:func:`landgis.progress.registers.record_register`, :func:`landgis.progress.record_progress`)
as user ``demo``, so the demo passes every check an editor's data must pass.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from landgis import contract
from landgis.dates import iso_date
from landgis.demo.sources import Sources, split_codes
from landgis.demo.zones import plane_point
from landgis.money import parse_vnd
from landgis.vocabularies import INVESTMENT_MILESTONES

#: The demo's "today": the ledger runs from 2016 to this day.
DEMO_TODAY = "2026-11-29"
#: Who records the demo's events.
USER = "demo"
#: Land an investment or a lot never takes: roads and streams.
OPEN_LAND = ("DGT", "SON")

_DATES = ("effective_date", "planned_date", "document_date")
_MONEY = ("amount_vnd", "base_vnd")


class DemoSourceError(ValueError):
    """A hand-made progress table that cannot be used; the message names file, row, column."""


def _where(name: str, i: int, column: str) -> str:
    return f"{name}.csv, row {i + 2}, column {column!r}"


def _text(value) -> str | None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    text = str(value).strip()
    return text or None


def _dates(df: pd.DataFrame, name: str, columns) -> pd.DataFrame:
    df = df.copy()
    for column in columns:
        if column not in df.columns:
            continue
        out = []
        for i, value in enumerate(df[column]):
            try:
                out.append(iso_date(value, _where(name, i, column), required=False))
            except ValueError as exc:
                raise DemoSourceError(str(exc)) from None
        df[column] = pd.Series(out, index=df.index, dtype=object)
    return df


def _money(df: pd.DataFrame, name: str, columns) -> pd.DataFrame:
    df = df.copy()
    for column in columns:
        out = []
        for i, value in enumerate(df[column]):
            try:
                out.append(parse_vnd(_text(value), _where(name, i, column)))
            except ValueError as exc:
                raise DemoSourceError(str(exc)) from None
        df[column] = pd.array(out, dtype="Int64")
    return df


# ----------------------------------------------------------------------------- land


def claim_parcels(sources: Sources, parcels: pd.DataFrame) -> pd.DataFrame:
    """The parcels each lot and each Bờ Y investment takes: ``holder_kind`` (``lot`` or
    ``investment``), ``holder_id``, ``parcel_id``, in the order of the tables.

    Each holder takes the ``parcels`` parcels of its ``area_code`` whose centroids lie nearest
    its ``lat``/``lon`` (WGS 84), skipping roads, streams and parcels already taken."""
    rows = []
    taken: set[str] = set()
    centroids = shapely.centroid(parcels.geometry.values)
    xy = np.column_stack([shapely.get_x(centroids), shapely.get_y(centroids)])
    land = ~parcels["land_use_code"].isin(OPEN_LAND).to_numpy()
    for kind, name, table, key in (("lot", "auction_lots", sources.auction_lots, "lot_code"),
                                   ("investment", "investments", sources.investments,
                                    "investment_id")):
        for i, row in table.reset_index(drop=True).iterrows():
            n = row.get("parcels")
            if pd.isna(n):
                continue
            area = row["area_code"]
            mask = land & (parcels["area_code"] == area).to_numpy()
            if not mask.any():
                raise DemoSourceError(f"{_where(name, i, 'area_code')}: không có thửa nào "
                                      f"trong khu / no parcel in area {area!r}")
            point = plane_point(row["lon"], row["lat"])
            idx = np.flatnonzero(mask)
            order = idx[np.argsort(np.hypot(xy[idx, 0] - point.x, xy[idx, 1] - point.y),
                                   kind="stable")]
            ids = [p for p in parcels["parcel_id"].to_numpy()[order] if p not in taken]
            chosen = ids[:int(n)]
            taken.update(chosen)
            rows += [(kind, row[key], p) for p in chosen]
    return pd.DataFrame(rows, columns=["holder_kind", "holder_id", "parcel_id"])


def _land_area(codes: list[str], areas: pd.Series) -> float | None:
    if not codes:
        return None
    return round(float(areas.reindex(codes).sum()), 1)


# ------------------------------------------------------------------------ registers


def demo_registers(sources: Sources, plots: pd.DataFrame, parcels: pd.DataFrame,
                   claims: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ``investments`` and ``auction_lots`` registers, in the contract's columns."""
    plot_area = pd.Series(plots.geometry.area.to_numpy(), index=plots["plot_code"])
    parcel_area = pd.Series(parcels.geometry.area.to_numpy(), index=parcels["parcel_id"])
    held = claims.groupby(["holder_kind", "holder_id"], sort=False)["parcel_id"].agg(list)

    inv = _dates(sources.investments, "investments",
                 ["certificate_date"] + [f"{m}_due" for m in INVESTMENT_MILESTONES])
    inv = _money(inv, "investments", ["committed_capital_vnd"])
    parcel_ids = [held.get(("investment", i), []) for i in inv["investment_id"]]
    plot_codes = [split_codes(v) for v in inv["plot_codes"]]
    investments = pd.DataFrame({
        "investment_id": inv["investment_id"],
        "investor": inv["investor"],
        "project_name": inv["project_name"],
        "approval_kind": inv["approval_kind"],
        "certificate_no": inv["certificate_no"],
        "certificate_date": inv["certificate_date"],
        "zone_code": inv["zone_code"],
        "plot_codes": [";".join(c) or None for c in plot_codes],
        "parcel_ids": [";".join(c) or None for c in parcel_ids],
        "leased_area_m2": [(_land_area(a, plot_area) or 0) + (_land_area(b, parcel_area) or 0)
                           for a, b in zip(plot_codes, parcel_ids)],
        "committed_capital_vnd": inv["committed_capital_vnd"],
        **{f"{m}_due": inv[f"{m}_due"] for m in INVESTMENT_MILESTONES},
        "source": inv["source"],
    })
    src = sources.auction_lots
    lot_parcels = [held.get(("lot", c), []) for c in src["lot_code"]]
    lots = pd.DataFrame({
        "lot_code": src["lot_code"],
        "zone_code": src["zone_code"],
        "name_vi": src["name_vi"],
        "parcel_ids": [";".join(c) for c in lot_parcels],
        "area_m2": [_land_area(c, parcel_area) for c in lot_parcels],
        "funds_project_code": src["funds_project_code"].astype(object)
        .where(src["funds_project_code"].notna(), None),
        "source": src["source"],
    })
    return investments.reset_index(drop=True), lots.reset_index(drop=True)


# --------------------------------------------------------------------------- events


def demo_events(sources: Sources) -> pd.DataFrame:
    """The events of ``progress_events.csv`` ready for the ledger: ISO dates (the document's
    date is the event's when not given), amounts in đồng, ids ``demo-pe-0001`` … in the
    order of the file."""
    name = "progress_events"
    df = _dates(sources.progress_events, name, _DATES)
    df = _money(df, name, _MONEY)
    df["document_date"] = df["document_date"].where(df["document_date"].notna(),
                                                    df["effective_date"])
    df["year"] = pd.to_numeric(df["year"], errors="raise").astype("Int64")
    width = max(4, len(str(len(df))))
    df.insert(0, "event_id", [f"demo-pe-{i:0{width}d}" for i in range(1, len(df) + 1)])
    columns = [c for c in contract.PROGRESS_EVENTS.column_names
               if c not in ("recorded_by", "recorded_at", "corrects_event_id")]
    for column in columns:
        if column not in df.columns:
            df[column] = None
    out = df[columns].astype(object)
    return out.where(out.notna(), None).reset_index(drop=True)


def lot_auction_dates(sources: Sources, events: pd.DataFrame) -> pd.DataFrame:
    """Per lot: ``lot_code`` and ``auction_date``, the first auction (its first result, else
    its ``planned_auction_date``)."""
    results = events[(events["subject_kind"] == "lot") & (events["kind"] == "auction_result")]
    first = results.groupby("subject_id")["effective_date"].min()
    lots = _dates(sources.auction_lots, "auction_lots", ["planned_auction_date"])
    dates = [first.get(code, planned) for code, planned in
             zip(lots["lot_code"], lots["planned_auction_date"])]
    for i, (code, day) in enumerate(zip(lots["lot_code"], dates)):
        if day is None:
            raise DemoSourceError(f"{_where('auction_lots', i, 'planned_auction_date')}: lô "
                                  f"{code} chưa có kết quả đấu giá cũng như ngày đấu giá dự "
                                  f"kiến / lot {code} has no auction result and no planned "
                                  "auction date")
    return pd.DataFrame({"lot_code": lots["lot_code"], "auction_date": dates})


def revoked_ids(events: pd.DataFrame) -> set[str]:
    """The investments the events revoke."""
    rev = events[(events["subject_kind"] == "investment") & (events["kind"] == "revocation")]
    return set(rev["subject_id"].astype(str))


def apply_holders(plots: pd.DataFrame, investments: pd.DataFrame,
                  events: pd.DataFrame) -> pd.DataFrame:
    """The zoning plots with the lease status and tenant the register implies: a plot held
    by a live investment is leased to its investor; one whose investments were all revoked is
    vacant again. Other plots keep their drawn lease."""
    plots = plots.copy()
    revoked = revoked_ids(events)
    inv = investments.sort_values("certificate_date", kind="stable")
    holder: dict[str, str | None] = {}
    for _, row in inv.iterrows():
        for code in split_codes(row["plot_codes"]):
            live = row["investment_id"] not in revoked
            if live or code not in holder:
                holder[code] = row["investor"] if live else None
    at = plots["plot_code"].map(holder)
    has = plots["plot_code"].isin(list(holder))
    plots.loc[has, "lease_status"] = np.where(at[has].notna(), "leased", "vacant")
    plots.loc[has, "tenant"] = at[has].astype(object).where(at[has].notna(), None)
    return plots


# ------------------------------------------------------------------------ recording


def _generations(investments: pd.DataFrame) -> list[list[str]]:
    """Investment ids in the order they can be registered: an investment on land an earlier
    one held comes after it (its land is free once that one is revoked)."""
    inv = investments.sort_values("certificate_date", kind="stable")
    level: dict[str, int] = {}
    seen: dict[str, int] = {}
    for _, row in inv.iterrows():
        land = [("plot", c) for c in split_codes(row["plot_codes"])] + \
               [("parcel", c) for c in split_codes(row["parcel_ids"])]
        n = max((seen[k] + 1 for k in land if k in seen), default=0)
        level[row["investment_id"]] = n
        for k in land:
            seen[k] = n
    depth = max(level.values(), default=-1) + 1
    return [[i for i in investments["investment_id"] if level[i] == g] for g in range(depth)]


def record_demo_progress(store, layers: dict, *, today: str = DEMO_TODAY) -> dict[str, int]:
    """Record the demo's registers and events in ``store`` through the core, as user
    ``demo``: the lots, then the investments generation by generation (a revoked
    investment's land taken again once its revocation is recorded), each with its events.

    Returns the number of rows recorded per layer (``status_events``: those the auction
    results wrote). :class:`~landgis.progress.record.ProgressError` if anything fails the
    core's checks."""
    from landgis.progress import record_progress
    from landgis.progress.registers import record_register

    investments, lots = layers["investments"], layers["auction_lots"]
    events = layers["progress_events"]
    counts = {"investments": 0, "auction_lots": 0, "progress_events": 0, "status_events": 0}
    if len(lots):
        record_register(store, "auction_lots", lots, user=USER, source_name="auction_lots.csv",
                        today=today)
        counts["auction_lots"] = len(lots)
    is_investment = events["subject_kind"] == "investment"
    for g, ids in enumerate(_generations(investments)):
        rows = investments[investments["investment_id"].isin(ids)]
        record_register(store, "investments", rows, user=USER, source_name="investments.csv",
                        today=today)
        counts["investments"] += len(rows)
        mine = events[is_investment & events["subject_id"].isin(ids)]
        if g == 0:
            mine = pd.concat([events[~is_investment], mine]).sort_index()
        if len(mine):
            result = record_progress(store, mine, user=USER, today=today,
                                     source_name="progress_events.csv")
            counts["progress_events"] += len(result.events)
            counts["status_events"] += len(result.status_events)
    return counts
