"""Finding parcels and zones by what people type: "tờ 12 thửa 345", "12/345", a parcel id, a zone
code or name."""

from __future__ import annotations

import re

import pandas as pd

from landgis import crs as crsmod
from landgis.geojson import records
from landgis.params import BadRequest
from landgis.text import fold


_SHEET_PARCEL = re.compile(
    r"^\s*(?:t[ờo]\s*(?:b[aả]n\s*đ[ồo]\s*)?(?:s[ốo]\s*)?)?(\d+)\s*"
    r"(?:[,;/\-\s]\s*|\s*th[ửu]a\s*(?:s[ốo]\s*)?)(\d+)\s*$", re.IGNORECASE)


def search(store, fund, q: str, *, limit: int = 20) -> dict:
    """Parcels of the land fund ``fund`` by "tờ 12 thửa 345", "12/345" or a parcel_id; zones by
    code or name; their boxes read from ``store``."""
    text = " ".join(str(q or "").split())
    if not text:
        raise BadRequest("q is required: e.g. 'tờ 12 thửa 345', a parcel id or a zone")
    if len(text) > 100:
        raise BadRequest("q is too long")
    parcels = fund.parcels
    hits = pd.Series(False, index=parcels.index)
    m = _SHEET_PARCEL.match(text)
    ids = parcels["parcel_id"].astype(str)
    if m:
        sheet, number = m.group(1), m.group(2)
        hits |= ids.str.endswith(f"-{sheet}-{number}")
    hits |= ids.str.upper() == text.upper()
    matched = parcels[hits].head(limit)
    results = []
    if len(matched):
        geo = store.read_layer("parcels", where={"parcel_id": list(matched["parcel_id"])})
        ll = crsmod.to_wgs84(geo)
        for row, geom in zip(records(pd.DataFrame(ll[["parcel_id", "commune_name",
                                                          "sheet_no", "parcel_no",
                                                          "zone_code"]])), ll.geometry):
            results.append({"kind": "parcel", "id": row["parcel_id"],
                            "label": f"Tờ {row['sheet_no']} thửa {row['parcel_no']}, "
                                     f"{row['commune_name']}",
                            "bbox": [float(v) for v in geom.bounds]})
    z = store.read_layer("zones")
    key = fold(text)
    for row, geom in zip(records(pd.DataFrame(z[["zone_code", "name_vi"]])),
                         crsmod.to_wgs84(z).geometry):
        if key and (key in fold(row["zone_code"]) or key in fold(row["name_vi"])):
            results.append({"kind": "zone", "id": row["zone_code"], "label": row["name_vi"],
                            "bbox": [float(v) for v in geom.bounds]})
    return {"q": text, "results": results[:limit]}
