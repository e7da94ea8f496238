"""Field names as planners' files spell them, mapped onto the contract's columns.

Cadastral Shapefiles from Vietnamese offices name their fields in many ways (``SoTo``, ``So_to``,
``To_BD``; ``SoThua``; ``DienTich``; ``LoaiDat``, ``MDSD``, ``Ma_LD`` …). :func:`map_fields`
recognises those without help; an explicit ``SOURCE=contract`` map wins over the guesses.
"""

from __future__ import annotations

from typing import Mapping

import pandas as pd

from landgis.contract import get_layer
from landgis.text import fold, strip_marks  # noqa: F401  (re-exported)


#: contract column -> spellings seen in the field (compared after :func:`fold`)
ALIASES: dict[str, tuple[str, ...]] = {
    "parcel_id": ("parcelid", "mathua", "mathuadat", "idthua"),
    "commune_code": ("communecode", "maxa", "madvhc", "maphuongxa", "madonvi", "mahc"),
    "commune_name": ("communename", "tenxa", "xa", "tendvhc", "tenphuongxa", "phuongxa"),
    "sheet_no": ("sheetno", "soto", "sotobd", "tobd", "tobando", "to", "sohieuto",
                 "shbando", "sotobando"),
    "parcel_no": ("parcelno", "sothua", "thua", "shthua", "sohieuthua", "thuaso"),
    "land_use_code": ("landusecode", "loaidat", "mdsd", "mald", "maloaidat", "kyhieuloaidat",
                      "mucdichsd", "mucdich", "mdsdd", "ldat"),
    "legal_area_m2": ("legalaream2", "dientich", "dt", "dtpl", "dientichpl", "dientichphaply",
                      "dientichm2", "dtich", "area"),
    "zone_code": ("zonecode", "makhu", "makcn", "makhukt"),
    "owner_kind": ("ownerkind", "doituong", "loaidoituong", "doituongsd", "loaichu"),
    "plot_code": ("plotcode", "malo", "kyhieulo", "lo"),
    "function": ("function", "chucnang", "chucnangsd"),
    "max_coverage_pct": ("maxcoveragepct", "matdoxd", "mdxd", "matdo"),
    "max_height_m": ("maxheightm", "chieucao", "tangcao", "chieucaotoida"),
    "lease_status": ("leasestatus", "tinhtrangthue", "thue"),
    "tenant": ("tenant", "nhadautu", "doanhnghiep", "chudautu"),
    "name_vi": ("namevi", "ten", "tenkhu", "tenduan"),
    "name_en": ("nameen", "tentienganh"),
    "kind": ("kind", "loai", "loaikhu", "loaiduan"),
    "phase": ("phase", "giaidoan"),
    "decision_no": ("decisionno", "soqd", "soquyetdinh", "quyetdinh"),
    "decision_date": ("decisiondate", "ngayqd", "ngayquyetdinh"),
    "planned_area_ha": ("plannedareaha", "dientichqh", "dtqh", "dientichquyhoach"),
    "status": ("status", "tinhtrang", "trangthai"),
    "source": ("source", "nguon"),
    "project_code": ("projectcode", "maduan"),
    "budget_vnd": ("budgetvnd", "tongmucdautu", "tmdt"),
    "disbursed_vnd": ("disbursedvnd", "giaingan", "dagiaingan"),
    "progress_pct": ("progresspct", "tiendo"),
}


def map_fields(
    columns, layer: str, explicit: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Which source field feeds which contract column of ``layer``.

    Parameters
    ----------
    columns : iterable of str
        The source file's field names.
    layer : str
        The contract layer being imported.
    explicit : mapping, optional
        ``{source_field: contract_column}`` given by the user; these win.

    Returns
    -------
    dict
        ``{source_field: contract_column}``, each contract column fed by at most one field.

    Raises
    ------
    landgis.ingest.readers.SourceError
        An explicit mapping names a field the file does not have or a column the layer lacks
        (``option`` ``"field_map"``).
    """
    contract_columns = get_layer(layer).column_names
    columns = list(columns)
    mapping: dict[str, str] = {}
    from landgis.ingest.readers import SourceError

    for src, dst in (explicit or {}).items():
        if src not in columns:
            raise SourceError(f"ánh xạ trường / field map {src}={dst}: the file has no field "
                              f"{src!r}; its fields: {', '.join(columns)}", "field_map")
        if dst not in contract_columns:
            raise SourceError(f"ánh xạ trường / field map {src}={dst}: layer {layer!r} has no "
                              f"column {dst!r}; its columns: {', '.join(contract_columns)}",
                              "field_map")
        mapping[src] = dst
    taken = set(mapping.values())
    for dst in contract_columns:
        if dst in taken:
            continue
        wanted = {fold(dst), *ALIASES.get(dst, ())}
        for src in columns:
            if src not in mapping and fold(src) in wanted:
                mapping[src] = dst
                taken.add(dst)
                break
    return mapping


def map_distinct(series: pd.Series, fn) -> pd.Series:
    """``series.map(fn)`` computed once per distinct value: survey columns repeat a lot."""
    distinct = pd.unique(series.dropna())
    return series.map({v: fn(v) for v in distinct})


def apply_mapping(df: pd.DataFrame, mapping: Mapping[str, str]) -> pd.DataFrame:
    """Rename mapped fields to contract names; unmapped fields are kept as extra columns,
    except those whose name would clash with a contract column."""
    renamed = df.rename(columns=dict(mapping))
    mapped_targets = set(mapping.values())
    keep = [c for c in df.columns if c in mapping or c not in mapped_targets]
    return renamed[[mapping.get(c, c) for c in keep]]


def parse_pairs(items, what: str) -> dict[str, str]:
    """``NAME=VALUE`` texts (a field map ``SOURCE=column``, values ``column=value``) as a dict;
    blank items are skipped. ``what`` names the list in the message of a ValueError."""
    out: dict[str, str] = {}
    for item in items or ():
        if not str(item).strip():
            continue
        if "=" not in item:
            raise ValueError(f"{what} {item!r}: viết / write NAME=VALUE")
        key, value = item.split("=", 1)
        if not key.strip():
            raise ValueError(f"{what} {item!r}: no name before '='")
        out[key.strip()] = value.strip()
    return out
