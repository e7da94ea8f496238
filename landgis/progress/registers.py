"""The registers of investments and auction lots: checked, then written as one batch.

A register file updates the rows it holds (by ``investment_id`` / ``lot_code``) and leaves the
others; the version it replaced is kept, as for every layer write. Values are read as people
write them first (dates day first, ``committed_capital_vnd`` as ``50 tỷ`` or
``50.000.000.000``, approval kinds by their labels). Refused, with every problem listed and
nothing written:

- a zone, zoning plot, parcel or funded project that the store does not hold;
- an investment on a plot (or parcel) that another live investment already occupies (live:
  not revoked as of today), or a parcel in two lots neither of which failed at auction;
- a certificate dated in the future, or a committed milestone dated before its certificate;
- an investment with no plot and no parcel, a lot with no parcel, a row given twice.
"""

from __future__ import annotations

import pandas as pd

from landgis import contract
from landgis.contract import Problem
from landgis.dates import DateError, display_date, iso_date, today_vn
from landgis.money import AmountError, parse_vnd
from landgis.progress.book import _split
from landgis.progress.record import ProgressError
from landgis.progress.values import blank
from landgis.store.base import Batch
from landgis.vocabularies import APPROVAL_KIND, INVESTMENT_MILESTONES

_blank = blank


def _codes(store, layer: str, column: str) -> set[str]:
    from landgis.progress import read_or_empty

    return set(read_or_empty(store, layer, [column])[column].dropna().astype(str))


def _row(row, i) -> str:
    label = row.get("source_row")
    return f"row {label}" if not blank(label) else f"row {i + 1}"


def read_register(name: str, df: pd.DataFrame) -> tuple[pd.DataFrame, list[Problem]]:
    """``df`` with its dates as ISO text, amounts as whole đồng and approval kinds as codes;
    a problem naming the row and column for each value that cannot be read (left as it was)."""
    layer = contract.get_layer(name)
    df = pd.DataFrame(df).reset_index(drop=True).copy()
    problems = []
    for col in layer.columns:
        if col.name not in df.columns or not (col.kind == "date" or col.name.endswith("_vnd")
                                               or col.name == "approval_kind"):
            continue
        values = df[col.name].astype(object)
        for i, value in values.items():
            if blank(value):
                values[i] = None
                continue
            try:
                if col.kind == "date":
                    values[i] = iso_date(value, col.name)
                elif col.name.endswith("_vnd"):
                    values[i] = parse_vnd(value, col.name)
                else:
                    values[i] = APPROVAL_KIND.lookup(str(value)) or value
            except (DateError, AmountError) as exc:
                problems.append(Problem(name, f"{_row(df.loc[i], i)}: {exc}", column=col.name,
                                        row=df.loc[i].get(layer.key)))
        df[col.name] = values
        if col.kind == "int" and not problems and values.notna().all():
            df[col.name] = values.astype("int64")
    return df, problems


def check_investments(store, df: pd.DataFrame, *, today: str | None = None) -> list[Problem]:
    from landgis.progress import load_book, read_or_empty

    today = iso_date(today, "today") if today else today_vn().isoformat()
    name = contract.INVESTMENTS.name
    df, problems = read_register(name, df)
    problems += contract.check_layer(df.drop(columns="source_row", errors="ignore"),
                                     contract.INVESTMENTS, crs_epsg=None)
    if problems:
        return problems
    zones = _codes(store, contract.ZONES.name, "zone_code")
    plots = _codes(store, contract.ZONING_PLOTS.name, "plot_code")
    live = load_book(store).investments(today)
    live = live[live["state"] != "revoked"]
    live = live[~live["investment_id"].isin(df["investment_id"])]
    holders: dict[tuple[str, str], str] = {}
    for other, plot_codes, parcel_ids in zip(live["investment_id"], live["plot_codes"],
                                             live["parcel_ids"]):
        for p in _split(plot_codes):
            holders[("plot", p)] = other
        for p in _split(parcel_ids):
            holders[("parcel", p)] = other
    wanted_parcels = {p for v in df["parcel_ids"] for p in _split(v)}
    parcels = set()
    if wanted_parcels:
        ids = read_or_empty(store, contract.PARCELS.name, ["parcel_id"])["parcel_id"].astype(str)
        parcels = set(ids[ids.isin(wanted_parcels)])

    def add(i, row, message, column=None):
        problems.append(Problem(name, f"{_row(row, i)}: investment "
                                      f"{row['investment_id']}: {message}", column=column,
                                row=row["investment_id"]))

    for i, row in df.iterrows():
        if row["zone_code"] not in zones:
            add(i, row, f"khu {row['zone_code']!r} không có trong lớp khu / zone "
                        f"{row['zone_code']!r} is not in the zones layer", "zone_code")
        cert = row["certificate_date"]
        if cert > today:
            add(i, row, f"ngày cấp {display_date(cert)} ở tương lai / the certificate date "
                        f"{display_date(cert)} is in the future", "certificate_date")
        for m in INVESTMENT_MILESTONES:
            due = row.get(f"{m}_due")
            if not blank(due) and due < cert:
                add(i, row, f"hạn {m} {display_date(due)} trước ngày cấp ({display_date(cert)}) "
                            f"/ the committed {m} date {display_date(due)} is before the "
                            f"certificate ({display_date(cert)})", f"{m}_due")
        for kind, vi, column, known in (("plot", "lô", "plot_codes", plots),
                                        ("parcel", "thửa", "parcel_ids", parcels)):
            for code in _split(row[column]):
                if code not in known:
                    add(i, row, f"{vi} {code!r} không có trong dữ liệu / {kind} {code!r} is not "
                                "in the store", column)
                    continue
                holder = holders.get((kind, code))
                if holder is not None:
                    add(i, row, f"{vi} {code} đã thuộc dự án {holder} đang hoạt động / {kind} "
                                f"{code} is already occupied by live investment {holder}", column)
                holders[(kind, code)] = row["investment_id"]
        if not _split(row["plot_codes"]) and not _split(row["parcel_ids"]):
            add(i, row, "không có lô quy hoạch hay thửa đất nào / no zoning plot or parcel: an "
                        "investment occupies land", "plot_codes")
    return problems


def check_lots(store, df: pd.DataFrame) -> list[Problem]:
    from landgis.progress import load_book, read_or_empty

    name = contract.AUCTION_LOTS.name
    df, problems = read_register(name, df)
    problems += contract.check_layer(df.drop(columns="source_row", errors="ignore"),
                                     contract.AUCTION_LOTS, crs_epsg=None)
    if problems:
        return problems
    zones = _codes(store, contract.ZONES.name, "zone_code")
    projects = _codes(store, contract.PROJECTS.name, "project_code")
    ids = read_or_empty(store, contract.PARCELS.name, ["parcel_id"])["parcel_id"].astype(str)
    wanted = {p for v in df["parcel_ids"] for p in _split(v)}
    parcels = set(ids[ids.isin(wanted)])
    lots = load_book(store).auctions()
    lots = lots[(lots["result"] != "unsold") & ~lots["lot_code"].isin(df["lot_code"])]
    holders = {p: lot for lot, v in zip(lots["lot_code"], lots["parcel_ids"]) for p in _split(v)}

    def add(i, row, message, column=None):
        problems.append(Problem(name, f"{_row(row, i)}: lot {row['lot_code']}: {message}",
                                column=column, row=row["lot_code"]))

    for i, row in df.iterrows():
        if row["zone_code"] not in zones:
            add(i, row, f"khu {row['zone_code']!r} không có trong lớp khu / zone "
                        f"{row['zone_code']!r} is not in the zones layer", "zone_code")
        fund = row.get("funds_project_code")
        if not blank(fund) and fund not in projects:
            add(i, row, f"dự án {fund!r} không có trong lớp dự án / project {fund!r} is not in "
                        "the projects layer", "funds_project_code")
        codes = _split(row["parcel_ids"])
        if not codes:
            add(i, row, "không có thửa nào / no parcel", "parcel_ids")
        for code in codes:
            if code not in parcels:
                add(i, row, f"thửa {code!r} không có trong dữ liệu / parcel {code!r} is not in "
                            "the store", "parcel_ids")
            elif code in holders:
                add(i, row, f"thửa {code} đã thuộc lô {holders[code]} / parcel {code} is "
                            f"already in lot {holders[code]}", "parcel_ids")
            holders[code] = row["lot_code"]
    return problems


def _write(store, name: str, df: pd.DataFrame, user: str, source_name: str) -> int:
    df = df.drop(columns="source_row", errors="ignore").reset_index(drop=True)
    batch = Batch(source_name=source_name, user=user, counts={"rows": len(df)})
    if name in store.layers():
        return store.update_layer(name, df, batch=batch)
    return store.write_layer(name, df, batch=batch)


def record_register(store, name: str, df: pd.DataFrame, *, user: str, source_name: str,
                    dry_run: bool = False, today: str | None = None) -> int | None:
    """Check and write rows of the ``investments`` or ``auction_lots`` register; the batch id.

    :class:`~landgis.progress.record.ProgressError` listing every problem, nothing written."""
    if name == contract.INVESTMENTS.name:
        problems = check_investments(store, df, today=today)
    elif name == contract.AUCTION_LOTS.name:
        problems = check_lots(store, df)
    else:
        raise ValueError(f"{name!r} không phải danh mục tiến độ / is not a progress register "
                         "(investments, auction_lots)")
    key = contract.get_layer(name).key
    dup = df[key].astype(str)
    for code in sorted(set(dup[dup.duplicated()])):
        problems.append(Problem(name, f"{code} có hai lần / {code} is given twice", column=key,
                                row=code))
    if problems:
        raise ProgressError(problems, source_name)
    if dry_run:
        return None
    return _write(store, name, read_register(name, df)[0], user, source_name)
