"""The Folium map of the page, built from core layers.

For now the page embeds the zones and the parcels (coloured by clearance status) as GeoJSON; the
full map with vector tiles comes with the web-map issue. Every string taken from the data is
HTML-escaped before it reaches the page, because folium's tooltips insert values as HTML.
"""

from __future__ import annotations

import html

import folium
import geopandas as gpd
import pandas as pd

from landgis import crs
from landgis.contract import CLEARANCE_STATUS, LAND_USE, ZONE_KIND
from webmap.assets import offline

CLEARANCE_COLOURS = {
    "not_started": "#9e9e9e",
    "inventoried": "#ffd54f",
    "plan_approved": "#ffb74d",
    "compensated": "#4fc3f7",
    "handed_over": "#43a047",
    "disputed": "#e53935",
}
ZONE_COLOURS = {"kkt": "#6a1b9a", "kcn": "#1565c0", "ccn": "#00838f"}


def _escaped(df: pd.DataFrame, columns) -> pd.DataFrame:
    out = df.copy()
    for col in columns:
        out[col] = out[col].map(lambda v: "" if pd.isna(v) else html.escape(str(v)))
    return out


def _legend(title: str, items: dict[str, str]) -> folium.Element:
    rows = "".join(
        f'<div><span style="background:{colour};width:12px;height:12px;display:inline-block;'
        f'margin-right:6px;border:1px solid #555"></span>{html.escape(label)}</div>'
        for label, colour in items.items()
    )
    return folium.Element(
        '<div id="legend" style="position:fixed;bottom:24px;left:12px;z-index:1000;'
        'background:white;padding:8px 10px;border-radius:4px;font:12px sans-serif;'
        f'box-shadow:0 1px 4px rgba(0,0,0,.4)"><b>{html.escape(title)}</b>{rows}</div>'
    )


def build_map(zones: gpd.GeoDataFrame, parcels: gpd.GeoDataFrame) -> folium.Map:
    """A Folium map of ``zones`` and ``parcels`` (storage CRS, parcels with status columns)."""
    zones_ll = crs.to_wgs84(zones)
    b = zones_ll.total_bounds if len(zones_ll) else (107.5, 14.2, 108.1, 14.8)
    m = folium.Map(location=[(b[1] + b[3]) / 2, (b[0] + b[2]) / 2], zoom_start=10, tiles=None,
                   prefer_canvas=True)
    offline(m)
    m.fit_bounds([[b[1], b[0]], [b[3], b[2]]])

    z = _escaped(zones_ll, ["zone_code", "name_vi", "name_en"])
    z["kind_label"] = zones_ll["kind"].map(lambda k: ZONE_KIND.label(k))
    z = z[["zone_code", "name_vi", "name_en", "kind", "kind_label", "geometry"]]
    folium.GeoJson(
        z,
        name="Khu kinh tế, KCN, CCN / Zones",
        style_function=lambda f: {"color": ZONE_COLOURS.get(f["properties"]["kind"], "#333"),
                                  "weight": 2, "fillOpacity": 0.05},
        tooltip=folium.GeoJsonTooltip(["zone_code", "name_vi", "kind_label"],
                                      aliases=["Mã khu", "Tên", "Loại"]),
    ).add_to(m)

    if len(parcels):
        p = crs.to_wgs84(parcels)
        p["geometry"] = p.geometry.simplify(0.000002)
        p["land_use"] = p["land_use_code"].map(
            lambda c: f"{c} – {LAND_USE.label(c)}" if c in LAND_USE else c)
        p["clearance_label"] = p["clearance_status"].map(CLEARANCE_STATUS.label)
        p = _escaped(p, ["parcel_id", "commune_name", "land_use"])
        p = p[["parcel_id", "commune_name", "sheet_no", "parcel_no", "land_use",
               "clearance_status", "clearance_label", "geometry"]]
        folium.GeoJson(
            p,
            name="Thửa đất / Parcels",
            style_function=lambda f: {
                "color": "#444", "weight": 0.5, "fillOpacity": 0.6,
                "fillColor": CLEARANCE_COLOURS.get(f["properties"]["clearance_status"], "#fff")},
            tooltip=folium.GeoJsonTooltip(
                ["parcel_id", "commune_name", "sheet_no", "parcel_no", "land_use",
                 "clearance_label"],
                aliases=["Mã thửa", "Xã", "Tờ", "Thửa", "Loại đất", "GPMB"]),
        ).add_to(m)

    folium.LayerControl(collapsed=False).add_to(m)
    m.get_root().html.add_child(_legend(
        "Giải phóng mặt bằng / Clearance",
        {CLEARANCE_STATUS.label(code): colour for code, colour in CLEARANCE_COLOURS.items()}))
    return m
