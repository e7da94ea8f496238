"""The registers of investments and auction lots: checked, then written as one batch.

A register file updates the rows it holds (by ``investment_id`` / ``lot_code``) and leaves the
others; the version it replaced is kept, as for every layer write. Refused, with every problem
listed and nothing written:

- a zone, zoning plot, parcel or funded project that the store does not hold;
- an investment on a plot (or parcel) that another live investment already occupies (live:
  not revoked as of today), or a parcel in two lots neither of which failed at auction;
- a certificate dated in the future, or a committed milestone dated before its certificate.
"""

from __future__ import annotations

import pandas as pd

from landgis import contract
from landgis.contract import Problem
from landgis.dates import display_date, today_vn
from landgis.progress.book import _split
from landgis.progress.record import ProgressError, _blank
from landgis.store.base import Batch
from landgis.vocabularies import INVESTMENT_MILESTONES


def _codes(store, layer: str, column: str) -> set[str]:
    from landgis.progress import read_or_empty

    return set(read_or_empty(store, layer)[column].dropna().astype(str))


def _row(row, i) -> str:
    label = row.get("source_row")
    return f"row {label}" if not _blank(label) else f"row {i + 1}"


def check_investments(store, df: pd.DataFrame, *, today: str | None = None) -> list[Problem]:
    from landgis.progress import load_book

    today = today or today_vn().isoformat()
    name = contract.INVESTMENTS.name
    problems = [p for p in contract.check_layer(df.drop(columns="source_row", errors="ignore"),
                                                contract.INVESTMENTS, crs_epsg=None)]
    if problems:
        return problems
    zones = _codes(store, contract.ZONES.name, "zone_code")
    plots = _codes(store, contract.ZONING_PLOTS.name, "plot_code")
    book = load_book(store)
    live = book.investments(today)
    live = live[live["state"] != "revoked"]
    live = live[~live["investment_id"].isin(df["investment_id"])]
    holders: dict[tuple[str, str], str] = {}
    for _, other in live.iterrows():
        for p in _split(other["plot_codes"]):
            holders[("plot", p)] = other["investment_id"]
        for p in _split(other["parcel_ids"]):
            holders[("parcel", p)] = other["investment_id"]
    wanted_parcels = {p for v in df["parcel_ids"] for p in _split(v)}
    parcels = set()
    if wanted_parcels:
        from landgis.progress import read_or_empty
        ids = read_or_empty(store, contract.PARCELS.name)["parcel_id"].astype(str)
        parcels = set(ids[ids.isin(wanted_parcels)])

    def add(i, row, message, column=None):
        problems.append(Problem(name, f"{_row(row, i)}: investment {row['investment_id']}: "
                                      f"{message}", column=column, row=row["investment_id"]))

    for i, row in df.reset_index(drop=True).iterrows():
        if row["zone_code"] not in zones:
            add(i, row, f"zone {row['zone_code']!r} is not in the zones layer", "zone_code")
        cert = str(row["certificate_date"])[:10]
        if cert > today:
            add(i, row, f"the certificate date {display_date(cert)} is in the future",
                "certificate_date")
        for m in INVESTMENT_MILESTONES:
            due = row.get(f"{m}_due")
            if not _blank(due) and str(due)[:10] < cert:
                add(i, row, f"the committed {m} date {display_date(due)} is before the "
                            f"certificate ({display_date(cert)})", f"{m}_due")
        for kind, column, known in (("plot", "plot_codes", plots), ("parcel", "parcel_ids",
                                                                   parcels)):
            for code in _split(row[column]):
                if code not in known:
                    add(i, row, f"{kind} {code!r} is not in the store", column)
                    continue
                holder = holders.get((kind, code))
                if holder is not None:
                    add(i, row, f"{kind} {code} is already occupied by live investment "
                                f"{holder}", column)
                holders[(kind, code)] = row["investment_id"]
        if not _split(row["plot_codes"]) and not _split(row["parcel_ids"]):
            add(i, row, "no zoning plot or parcel: an investment occupies land", "plot_codes")
    return problems


def check_lots(store, df: pd.DataFrame) -> list[Problem]:
    from landgis.progress import load_book, read_or_empty

    name = contract.AUCTION_LOTS.name
    problems = list(contract.check_layer(df.drop(columns="source_row", errors="ignore"),
                                         contract.AUCTION_LOTS, crs_epsg=None))
    if problems:
        return problems
    zones = _codes(store, contract.ZONES.name, "zone_code")
    projects = _codes(store, contract.PROJECTS.name, "project_code")
    ids = read_or_empty(store, contract.PARCELS.name)["parcel_id"].astype(str)
    wanted = {p for v in df["parcel_ids"] for p in _split(v)}
    parcels = set(ids[ids.isin(wanted)])
    lots = load_book(store).auctions()
    lots = lots[(lots["result"] != "unsold") & ~lots["lot_code"].isin(df["lot_code"])]
    holders = {p: lot for lot, v in zip(lots["lot_code"], lots["parcel_ids"]) for p in _split(v)}

    def add(i, row, message, column=None):
        problems.append(Problem(name, f"{_row(row, i)}: lot {row['lot_code']}: {message}",
                                column=column, row=row["lot_code"]))

    for i, row in df.reset_index(drop=True).iterrows():
        if row["zone_code"] not in zones:
            add(i, row, f"zone {row['zone_code']!r} is not in the zones layer", "zone_code")
        fund = row.get("funds_project_code")
        if not _blank(fund) and fund not in projects:
            add(i, row, f"project {fund!r} is not in the projects layer", "funds_project_code")
        codes = _split(row["parcel_ids"])
        if not codes:
            add(i, row, "no parcel", "parcel_ids")
        for code in codes:
            if code not in parcels:
                add(i, row, f"parcel {code!r} is not in the store", "parcel_ids")
            elif code in holders:
                add(i, row, f"parcel {code} is already in lot {holders[code]}", "parcel_ids")
            holders[code] = row["lot_code"]
    return problems


def _write(store, name: str, df: pd.DataFrame, user: str, source_name: str) -> int:
    from landgis.store.errors import LayerNotFoundError

    df = df.drop(columns="source_row", errors="ignore").reset_index(drop=True)
    batch = Batch(source_name=source_name, user=user, counts={"rows": len(df)})
    if name in store.layers():
        return store.update_layer(name, df, batch=batch)
    try:
        return store.write_layer(name, df, batch=batch)
    except LayerNotFoundError:  # pragma: no cover - write_layer creates layers
        raise


def record_register(store, name: str, df: pd.DataFrame, *, user: str, source_name: str,
                    dry_run: bool = False, today: str | None = None) -> int | None:
    """Check and write rows of the ``investments`` or ``auction_lots`` register; the batch id.

    :class:`~landgis.progress.record.ProgressError` listing every problem, nothing written."""
    if name == contract.INVESTMENTS.name:
        problems = check_investments(store, df, today=today)
    elif name == contract.AUCTION_LOTS.name:
        problems = check_lots(store, df)
    else:
        raise ValueError(f"{name!r} is not a progress register (investments, auction_lots)")
    dup = df["investment_id" if name == contract.INVESTMENTS.name else "lot_code"]
    for code in sorted(set(dup[dup.duplicated()].astype(str))):
        problems.append(Problem(name, f"{code} is given twice"))
    if problems:
        raise ProgressError(problems, source_name)
    if dry_run:
        return None
    return _write(store, name, df, user, source_name)
