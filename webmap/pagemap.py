"""The Folium map of the page, built from core layers.

Small layers (zones, zoning plots: a few hundred features) are embedded as GeoJSON; the
projects and investments come with their progress as of a date (:mod:`webmap.pagemap_progress`);
parcels arrive as vector tiles (batches of ``/tiles/parcels/{z}/…``, drawn by
``static/parcel-tiles.js``) and their statuses as one compact snapshot
(``/api/status/snapshot``), so the page stays small whatever the number of parcels. Every asset is served by the app (:func:`webmap.assets.offline`). Strings from the data
are HTML-escaped before they reach folium, whose tooltips and popups insert values as HTML; the
page's own script builds its popups with ``textContent``.
"""

from __future__ import annotations

import html
import json

import folium
from folium import plugins
from jinja2 import Template

from landgis.contract import (
    AUCTION_STATUS,
    CLEARANCE_STATUS,
    LAND_USE,
    LEASE_STATUS,
    NOT_STATED,
    PLAN_FUNCTION,
    ZONE_KIND,
)
from webmap.assets import offline
from webmap.pagemap_progress import add_progress_layers, progress_vocab

CLEARANCE_COLOURS = {
    "not_started": "#9e9e9e", "inventoried": "#ffd54f", "plan_approved": "#ffb74d",
    "compensated": "#4fc3f7", "handed_over": "#43a047", "disputed": "#e53935",
}
AUCTION_COLOURS = {
    "not_planned": "#bdbdbd", "planned": "#90caf9", "dossier_ready": "#42a5f5",
    "announced": "#7e57c2", "sold": "#2e7d32", "unsold": "#ef6c00",
}
LAND_USE_GROUPS = {  # land-use code -> colour, by family
    **{c: "#8d6e63" for c in ("SKK", "SKN", "SKT", "SKC", "TMD", "SKS", "SKX")},
    **{c: "#757575" for c in ("DGT", "DTL", "DNL", "DBV", "DRA", "DCH", "DKV", "DSH", "TSC")},
    **{c: "#ef9a9a" for c in ("ODT", "ONT")},
    **{c: "#4fc3f7" for c in ("SON", "MNC", "NTS")},
    **{c: "#fff176" for c in ("LUC", "LUK", "LUN", "BHK", "NHK")},
    **{c: "#aed581" for c in ("CLN", "NKH")},
    **{c: "#2e7d32" for c in ("RSX", "RPH", "RDD")},
    **{c: "#b0bec5" for c in ("CQP", "CAN", "NTD", "BCS", "DCS", "NCS")},
    NOT_STATED: "#e0e0e0",  # the source gives no land use: shown as "chưa xác định / not stated"
}
FUNCTION_COLOURS = {
    "factory": "#ff8a65", "warehouse": "#ffb74d", "admin_services": "#1e88e5",
    "technical": "#8d6e63", "roads": "#9575cd", "green": "#66bb6a", "housing": "#e57373",
    "water": "#4fc3f7",
}
ZONE_COLOURS = {"kkt": "#6a1b9a", "kcn": "#1565c0", "ccn": "#00838f"}


def _escape_properties(fc: dict) -> dict:
    out = json.loads(json.dumps(fc))
    for feature in out["features"]:
        feature["properties"] = {k: html.escape(v) if isinstance(v, str) else v
                                 for k, v in feature["properties"].items()}
    return out


def _labels(vocab, colours=None) -> dict:
    return {code: {"vi": vi, "en": en, **({"colour": colours[code]} if colours else {})}
            for code, (vi, en) in vocab.labels.items()}


def page_config(bounds, vn2000_proj4: str, *, tile_version: str = "",
                parcel_native_zoom: int = 16, basemap_native_zoom: int = 16) -> dict:
    """What the page's script needs: labels in both languages, colours, the VN-2000 plane,
    the tiles' data version and the zooms the parcel and basemap tiles exist at."""
    return {
        "bounds": bounds,
        "vn2000": vn2000_proj4,
        "parcelMinZoom": 13,
        "parcelNativeZoom": parcel_native_zoom,
        "basemapNativeZoom": basemap_native_zoom,
        "tileVersion": tile_version,
        "vocab": {
            "clearance_status": _labels(CLEARANCE_STATUS, CLEARANCE_COLOURS),
            "auction_status": _labels(AUCTION_STATUS, AUCTION_COLOURS),
            "land_use_code": _labels(LAND_USE, LAND_USE_GROUPS),
            "function": _labels(PLAN_FUNCTION, FUNCTION_COLOURS),
            "lease_status": _labels(LEASE_STATUS),
            "kind": _labels(ZONE_KIND, ZONE_COLOURS),
            **progress_vocab(_labels),
        },
    }


class PageScript(folium.MacroElement):
    """Starts the page's own script once folium has made the map and its layers."""

    _template = Template("""
        {% macro script(this, kwargs) %}
            landgis.init({{ this._parent.get_name() }}, {{ this.parcels.get_name() }},
                         {{ this.drawn }}, {{ this.config_json }});
        {% endmacro %}
    """)

    def __init__(self, parcels_layer, drawn_name: str, config: dict):
        super().__init__()
        self._name = "PageScript"
        self.parcels = parcels_layer
        self.drawn = drawn_name
        # </script> inside a JSON string would end the script element early
        self.config_json = json.dumps(config, ensure_ascii=False).replace("</", "<\\/")


class FitBounds(folium.MacroElement):
    """Opens the map on ``bounds`` at once (folium's ``fit_bounds`` animates a zoom from the
    map's starting view, and the page waits for it before it draws anything)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
            {{ this._parent.get_name() }}.fitBounds({{ this.bounds_json }}, {animate: false});
        {% endmacro %}
    """)

    def __init__(self, bounds):
        super().__init__()
        self._name = "FitBounds"
        self.bounds_json = json.dumps(bounds)


class ParcelTiles(folium.map.Layer):
    """The parcels: vector tiles drawn on canvas by the page's own layer
    (``static/parcel-tiles.js``), coloured by the page's script once it starts."""

    _template = Template("""
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = L.landgisParcelTiles({{ this.options_json }});
        {% endmacro %}
    """)

    def __init__(self, name: str, *, version: str, max_native_zoom: int, min_zoom: int):
        super().__init__(name=name, overlay=True, control=True, show=True)
        self._name = "ParcelTiles"
        options = {
            "batchUrl": "/tiles/parcels/{z}/batch",
            "version": version,
            "maxNativeZoom": max_native_zoom, "minZoom": min_zoom, "maxZoom": 20,
            "pane": "parcels",
            "attribution": "Thửa đất: landgis (minh họa / illustrative)",
        }
        self.options_json = json.dumps(options, ensure_ascii=False).replace("</", "<\\/")


def _geojson_layer(fc, name, style, tooltip_fields, aliases, show=True):
    layer = folium.GeoJson(
        _escape_properties(fc), name=name, show=show, style_function=style,
        tooltip=folium.GeoJsonTooltip(tooltip_fields, aliases=aliases) if fc["features"]
        else None,
    )
    return layer


def build_map(layers: dict, config: dict) -> folium.Map:
    """The page's map from ``layers`` (GeoJSON in WGS 84: ``zones``, ``zoning_plots``) and the script's ``config`` (:func:`page_config`)."""
    w, s, e, n = config["bounds"]
    m = folium.Map(location=[(s + n) / 2, (w + e) / 2], zoom_start=11, tiles=None,
                   control_scale=True, max_zoom=20)
    FitBounds([[s, w], [n, e]]).add_to(m)

    folium.TileLayer(
        tiles="/tiles/basemap/{z}/{x}/{y}.png", name="Nền địa hình (minh họa) / Hillshade",
        attr="Nền địa hình tổng hợp, minh họa / synthetic hillshade, illustrative",
        overlay=False, max_zoom=20, max_native_zoom=config["basemapNativeZoom"]).add_to(m)
    folium.TileLayer("OpenStreetMap", name="OpenStreetMap (cần internet / needs internet)",
                     overlay=False, show=False, max_zoom=20).add_to(m)
    folium.FeatureGroup(name="Không nền / No basemap", overlay=False, show=False).add_to(m)

    zones = layers["zones"]
    for kind, name in (("kkt", "Khu kinh tế / Economic zone"),
                       ("kcn", "Khu công nghiệp / Industrial parks"),
                       ("ccn", "Cụm công nghiệp / Industrial clusters")):
        fc = {"type": "FeatureCollection",
              "features": [f for f in zones["features"] if f["properties"]["kind"] == kind]}
        colour = ZONE_COLOURS[kind]
        _geojson_layer(fc, name, lambda f, c=colour: {"color": c, "weight": 2.5,
                                                       "fillOpacity": 0.04},
                       ["zone_code", "name_vi", "decision_no", "planned_area_ha"],
                       ["Mã khu", "Tên", "Quyết định", "DT quy hoạch (ha)"]).add_to(m)

    _geojson_layer(layers["zoning_plots"], "Lô quy hoạch / Zoning plots",
                   lambda f: {"color": "#555", "weight": 0.8, "fillOpacity": 0.35,
                              "fillColor": FUNCTION_COLOURS.get(f["properties"]["function"],
                                                                "#ccc")},
                   ["plot_code", "function_vi", "lease_status_vi", "tenant"],
                   ["Lô", "Chức năng", "Cho thuê", "Nhà đầu tư"], show=False).add_to(m)

    # parcels draw in a pane of their own above the zones' outlines, which would otherwise
    # catch the clicks meant for them
    folium.map.CustomPane("parcels", z_index=450).add_to(m)
    parcels = ParcelTiles("Thửa đất / Parcels", version=config["tileVersion"],
                          max_native_zoom=config["parcelNativeZoom"],
                          min_zoom=config["parcelMinZoom"])
    parcels.add_to(m)

    add_progress_layers(m)  # investor and public projects, as of a date (progress-layers.js)

    plugins.Fullscreen(title="Toàn màn hình / Fullscreen",
                       title_cancel="Thoát toàn màn hình / Exit fullscreen").add_to(m)
    plugins.MiniMap(tile_layer=folium.TileLayer(tiles="/tiles/basemap/{z}/{x}/{y}.png",
                                                attr="landgis"),
                    toggle_display=True, position="bottomright").add_to(m)
    # Measuring: the line tool shows lengths while drawing, and the page then gives the length
    # on the VN-2000 plane; polygons and rectangles get their areas from /api/area.
    # (folium's MeasureControl is not used: leaflet-measure compiles templates with
    # new Function, which the page's Content-Security-Policy forbids.)
    draw = plugins.Draw(export=False, position="topleft", show_geometry_on_click=False,
                        draw_options={"polyline": {"metric": True, "feet": False},
                                      "circle": False, "marker": False, "circlemarker": False,
                                      "rectangle": {"showArea": False},
                                      "polygon": {"showArea": False}})
    draw.add_to(m)
    folium.LayerControl(collapsed=True, position="topright").add_to(m)
    # the progress page of projects, investors and auctions (webmap/progress_page.py)
    m.get_root().html.add_child(folium.Element(
        '<a id="landgis-progress-link" class="landgis-box" href="/progress" '
        'style="position:absolute;z-index:1000;left:54px;top:10px;text-decoration:none">'
        'Tiến độ dự án / Progress</a>'))
    # the review dashboard (webmap/dashboard.py); its charts link back here with a filter
    m.get_root().html.add_child(folium.Element(
        '<a id="landgis-dashboard-link" class="landgis-box" href="/dashboard" '
        'style="position:absolute;z-index:1000;left:54px;top:44px;text-decoration:none">'
        'Sơ kết / Dashboard</a>'))

    root = m.get_root()
    root.header.add_child(folium.CssLink("/static/landgis.css"))
    root.header.add_child(folium.JavascriptLink("/vendor/proj4/dist/proj4.js"))
    # the parcel layer's class extends Leaflet's, so it loads after folium's header scripts
    root.html.add_child(folium.JavascriptLink("/vendor/pbf/dist/pbf.js"))
    root.html.add_child(folium.JavascriptLink("/vendor/fflate/umd/index.js"))
    root.html.add_child(folium.JavascriptLink("/static/mvt.js"))
    root.html.add_child(folium.JavascriptLink("/static/parcel-tiles.js"))
    root.header.add_child(folium.JavascriptLink("/static/landgis.js"))
    root.header.add_child(folium.CssLink("/static/layer-upload.css"))  # editors' import
    root.html.add_child(folium.JavascriptLink("/static/layer-upload.js"))
    root.html.add_child(folium.JavascriptLink("/static/map-filter.js"))  # ?zone=&status=
    m.add_child(PageScript(parcels, f"drawnItems_{draw.get_name()}", config))
    offline(m)
    return m
