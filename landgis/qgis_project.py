"""A QGIS project (``.qgz``) whose layers read this server: the desktop twin of the web map.

The project is in the storage CRS (EPSG:9216, VN-2000 / TM-3 107-30) and holds the basemap
(the app's raster XYZ tiles ``/tiles/basemap/{z}/{x}/{y}.png``) and the layers of the OGC API –
Features service under ``/ogc`` as QGIS "OAPIF" layers: zones (outlined by kind), zoning
plots (filled by function), parcels (filled by clearance status, their numbers labelled at
large scales), public projects and investments (by schedule state). The colours are the web
map's; the caller passes them (:class:`MapColours`) so that they are defined once.

The XML is written with ElementTree in the form QGIS 3.22 itself saves (an OAPIF layer's
datasource is ``pagingEnabled='true' … typename='parcels' url='http://host/ogc'``); QGIS fills
in every element left out with its defaults. QGIS is not needed to write it.

When the server asks for a read-only API key, ``api_key`` puts it in every layer's URL as the
query parameter :data:`API_KEY_PARAM` (the project file then holds the key: hand it only to
whom the key is for).
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode, urlsplit
from xml.etree import ElementTree as ET

from landgis import crs as crsmod
from landgis.contract import CLEARANCE_STATUS, PLAN_FUNCTION, ZONE_KIND
from landgis.vocabularies import SCHEDULE_STATE

#: The query parameter that carries a read-only API key to the server.
API_KEY_PARAM = "api_key"
#: Parcel numbers are labelled from this scale (1:N) inwards, as the web map shows them only
#: when zoomed in.
LABEL_SCALE = 5000
#: The outline of a public project's land, as static/progress-layers.js draws it (a script's
#: constant, which Python cannot import).
PROJECT_OUTLINE = "#6a1b9a"
#: The QGIS version whose project format is written.
QGIS_VERSION = "3.22.16-Białowieża"
#: The file name of the project inside the ``.qgz`` archive.
QGS_NAME = "landgis.qgs"


@dataclass(frozen=True)
class MapColours:
    """The web map's colours (``#rrggbb``) by code: clearance status, plot function, zone kind
    and schedule state."""

    clearance_status: dict
    function: dict
    kind: dict
    schedule_state: dict
    other: str = "#cccccc"  # a value outside the vocabulary


@dataclass(frozen=True)
class ProjectLayer:
    """One OAPIF layer of the project: its collection id, name shown, and style."""

    collection: str
    name: str
    geometry: str = "Polygon"  # QGIS's word: Polygon, Point or Unknown geometry
    attr: str | None = None  # the categorising property
    categories: list = field(default_factory=list)  # [(value, label, fill, outline, width)]
    fill_alpha: int = 255
    label_field: str | None = None
    single: tuple | None = None  # (fill, outline, width) when not categorised


def _rgba(hex_colour: str, alpha: int = 255) -> str:
    h = hex_colour.lstrip("#")
    if len(h) == 3:
        h = "".join(c * 2 for c in h)
    return f"{int(h[0:2], 16)},{int(h[2:4], 16)},{int(h[4:6], 16)},{alpha}"


def _label(vocab, code) -> str:
    vi, en = vocab.labels[code]
    return f"{vi} / {en}"


def project_layers(colours: MapColours) -> list[ProjectLayer]:
    """The project's vector layers, from the bottom up, styled as the web map."""
    return [
        ProjectLayer("zones", "Khu / Zones", attr="kind", categories=[
            (k, _label(ZONE_KIND, k), None, colours.kind.get(k, colours.other), 0.7)
            for k in ZONE_KIND.codes]),
        ProjectLayer("zoning_plots", "Lô quy hoạch / Zoning plots", attr="function",
                     fill_alpha=89, categories=[
                         (f, _label(PLAN_FUNCTION, f), colours.function.get(f, colours.other),
                          "#555555", 0.2) for f in PLAN_FUNCTION.codes]),
        ProjectLayer("parcels", "Thửa đất / Parcels", attr="clearance_status",
                     label_field="parcel_no", fill_alpha=217, categories=[
                         (s, _label(CLEARANCE_STATUS, s), colours.clearance_status[s],
                          "#ffffff", 0.1) for s in CLEARANCE_STATUS.codes]),
        ProjectLayer("projects", "Dự án đầu tư công / Public projects", fill_alpha=13,
                     single=(PROJECT_OUTLINE, PROJECT_OUTLINE, 0.5)),
        ProjectLayer("investments", "Dự án nhà đầu tư / Investor projects", attr="state",
                     fill_alpha=140, categories=[
                         (s, _label(SCHEDULE_STATE, s), colours.schedule_state[s],
                          colours.schedule_state[s], 0.8) for s in SCHEDULE_STATE.codes]),
    ]


# --------------------------------------------------------------------------- XML pieces

def _sub(parent, tag, text=None, **attrs):
    el = ET.SubElement(parent, tag, {k: str(v) for k, v in attrs.items()})
    if text is not None:
        el.text = str(text)
    return el


def _options(parent, values: dict):
    box = _sub(parent, "Option", type="Map")
    for k, v in values.items():
        _sub(box, "Option", type="QString", name=k, value=v)
    return box


def _srs(parent, crs):
    """``crs`` as QGIS's ``spatialrefsys`` in ``parent`` (the authority code decides; QGIS
    reads the WKT when it does not know the code)."""
    ref = _sub(parent, "spatialrefsys")
    _sub(ref, "wkt", crs.to_wkt())
    _sub(ref, "authid", ":".join(crs.to_authority()))
    _sub(ref, "description", crs.name)
    _sub(ref, "geographicflag", "true" if crs.is_geographic else "false")
    return ref


def _fill_symbol(parent, name, fill: str | None, alpha: int, outline: str, width: float):
    symbol = _sub(parent, "symbol", type="fill", name=name, alpha="1", clip_to_extent="1",
                  force_rhr="0")
    layer = _sub(symbol, "layer", **{"class": "SimpleFill", "pass": "0", "locked": "0",
                                     "enabled": "1"})
    _options(layer, {
        "color": _rgba(fill or "#000000", alpha if fill else 0),
        "style": "solid" if fill else "no",
        "outline_color": _rgba(outline), "outline_style": "solid",
        "outline_width": width, "outline_width_unit": "MM", "joinstyle": "bevel",
    })
    return symbol


def _renderer(maplayer, spec: ProjectLayer, colours: MapColours):
    if spec.attr is None:
        renderer = _sub(maplayer, "renderer-v2", type="singleSymbol", symbollevels="0",
                        enableorderby="0", forceraster="0", referencescale="-1")
        _fill_symbol(_sub(renderer, "symbols"), "0", spec.single[0], spec.fill_alpha,
                     *spec.single[1:])
        return
    renderer = _sub(maplayer, "renderer-v2", type="categorizedSymbol", attr=spec.attr,
                    symbollevels="0", enableorderby="0", forceraster="0",
                    referencescale="-1")
    categories = _sub(renderer, "categories")
    symbols = _sub(renderer, "symbols")
    for i, (value, label, fill, outline, width) in enumerate(spec.categories):
        _sub(categories, "category", value=value, label=label, symbol=str(i), render="true")
        _fill_symbol(symbols, str(i), fill, spec.fill_alpha, outline, width)
    # anything else (a value outside the vocabulary) in grey, as on the web map
    n = len(spec.categories)
    _sub(categories, "category", value="", label="khác / other", symbol=str(n), render="true")
    _fill_symbol(symbols, str(n), colours.other, spec.fill_alpha, "#777777", 0.1)


def _labeling(maplayer, spec: ProjectLayer):
    if spec.label_field is None:
        maplayer.set("labelsEnabled", "0")
        return
    maplayer.set("labelsEnabled", "1")
    settings = _sub(_sub(maplayer, "labeling", type="simple"), "settings",
                    calloutType="simple")
    fmt = _sub(settings, "text-style", fieldName=spec.label_field, isExpression="0",
               fontFamily="DejaVu Sans", fontSize="8", fontSizeUnit="Point",
               textColor="33,33,33,255", textOpacity="1", namedStyle="Book",
               fontWeight="50", blendMode="0", multilineHeight="1")
    _sub(fmt, "text-buffer", bufferDraw="1", bufferSize="0.8", bufferSizeUnits="MM",
         bufferColor="255,255,255,255", bufferOpacity="0.8", bufferNoFill="1",
         bufferJoinStyle="128")
    _sub(settings, "placement", placement="1", placementFlags="10", polygonPlacementFlags="2",
         centroidInside="1", fitInPolygonOnly="0", priority="5")
    # QGIS's legacy names: scaleMax is the most zoomed-out scale (1:N) the labels show at
    _sub(settings, "rendering", scaleVisibility="1", scaleMin="0", scaleMax=LABEL_SCALE,
         drawLabels="1", obstacle="1", obstacleType="1", labelPerPart="0", displayAll="0",
         upsidedownLabels="0", minFeatureSize="0", limitNumLabels="0", maxNumLabels="2000")


def oapif_source(ogc_url: str, collection: str) -> str:
    """An OAPIF layer's datasource as QGIS 3.22 writes it."""
    return (f"pagingEnabled='true' preferCoordinatesForWfsT11='false' "
            f"restrictToRequestBBOX='1' typename='{collection}' url='{ogc_url}'")


def xyz_source(tiles_url: str, zmax: int = 19) -> str:
    """An XYZ raster layer's datasource (QGIS's ``wms`` provider) for ``tiles_url`` with
    ``{z}/{x}/{y}`` in it."""
    return f"type=xyz&url={quote(tiles_url, safe=':/?=&%')}&zmax={zmax}&zmin=0"


def _with_key(url: str, api_key: str | None) -> str:
    if not api_key:
        return url
    return f"{url}{'&' if urlsplit(url).query else '?'}{urlencode({API_KEY_PARAM: api_key})}"


def _maplayer(layers_el, tree_el, *, layer_id, name, kind, provider, source, crs, extra=None):
    tree = _sub(tree_el, "layer-tree-layer", id=layer_id, name=name, providerKey=provider,
                source=source, checked="Qt::Checked", expanded="1")
    _sub(tree, "customproperties")
    attrs = {"type": kind, "hasScaleBasedVisibilityFlag": "0", "minScale": "1e+08",
             "maxScale": "0", "styleCategories": "AllStyleCategories", **(extra or {})}
    layer = _sub(layers_el, "maplayer", **attrs)
    _sub(layer, "id", layer_id)
    _sub(layer, "datasource", source)
    _sub(layer, "layername", name)
    _srs(_sub(layer, "srs"), crs)
    _sub(layer, "provider", provider, encoding="")
    return layer


def project_qgs(base_url: str, colours: MapColours, *, extent=None,
                api_key: str | None = None) -> str:
    """The project's XML (``.qgs``) for the server at ``base_url`` (``http://host:port``, the
    address the desktop reaches it at). ``extent``: ``(xmin, ymin, xmax, ymax)`` in EPSG:9216
    that the project opens on (the data's)."""
    base = base_url.rstrip("/")
    if urlsplit(base).scheme not in ("http", "https") or not urlsplit(base).netloc:
        raise ValueError(f"địa chỉ máy chủ không hợp lệ / not a server address: {base_url!r} "
                         f"(expected http://host:port)")
    storage = crsmod.STORAGE_CRS
    root = ET.Element("qgis", version=QGIS_VERSION, projectname="landgis")
    _sub(root, "title", "landgis – Kon Tum")
    _srs(_sub(root, "projectCrs"), storage)
    tree = _sub(root, "layer-tree-group")
    _sub(tree, "customproperties")
    layers = _sub(root, "projectlayers")
    ids = []
    ogc = _with_key(f"{base}/ogc", api_key)
    for spec in reversed(project_layers(colours)):  # the tree lists the top layer first
        layer_id = f"landgis_{spec.collection}"
        layer = _maplayer(layers, tree, layer_id=layer_id, name=spec.name, kind="vector",
                          provider="OAPIF", source=oapif_source(ogc, spec.collection),
                          crs=crsmod.resolve_crs(4326),
                          extra={"geometry": spec.geometry, "readOnly": "1"})
        _renderer(layer, spec, colours)
        _labeling(layer, spec)
        ids.append(layer_id)
    basemap = _maplayer(layers, tree, layer_id="landgis_basemap",
                        name="Nền địa hình / Basemap", kind="raster", provider="wms",
                        source=xyz_source(_with_key(f"{base}/tiles/basemap/{{z}}/{{x}}/{{y}}.png",
                                                    api_key)),
                        crs=crsmod.resolve_crs(3857))
    ids.append("landgis_basemap")
    _sub(basemap, "pipe")
    order = _sub(tree, "custom-order", enabled="0")
    for layer_id in ids:
        _sub(order, "item", layer_id)
    if extent is not None:
        canvas = _sub(root, "mapcanvas", name="theMapCanvas", annotationsVisible="1")
        _sub(canvas, "units", "meters")
        box = _sub(canvas, "extent")
        for tag, value in zip(("xmin", "ymin", "xmax", "ymax"), extent):
            _sub(box, tag, repr(float(value)))
        _sub(canvas, "rotation", "0")
        _srs(_sub(canvas, "destinationsrs"), storage)
    properties = _sub(root, "properties")
    _sub(_sub(properties, "Measurement"), "DistanceUnits", "meters", type="QString")
    # without it QGIS 3.22 ignores projectCrs and opens the project with no CRS
    _sub(_sub(properties, "SpatialRefSys"), "ProjectionsEnabled", "1", type="int")
    ET.indent(root)
    return ("<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"
            + ET.tostring(root, encoding="unicode"))


def project_qgz(base_url: str, colours: MapColours, *, extent=None,
                api_key: str | None = None) -> bytes:
    """The project as a ``.qgz`` (a zip holding :data:`QGS_NAME`): :func:`project_qgs`."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(QGS_NAME, project_qgs(base_url, colours, extent=extent, api_key=api_key))
    return buf.getvalue()


def store_project_qgz(store, base_url: str, colours: MapColours, *,
                      api_key: str | None = None) -> bytes:
    """The project for the data of ``store`` (opening on its zones' extent) served at
    ``base_url``: :func:`project_qgz`."""
    extent = None
    if "zones" in store.layers():
        zones = crsmod.to_storage(store.read_layer("zones", columns=["zone_code"]))
        if len(zones):
            extent = [float(v) for v in zones.total_bounds]
    return project_qgz(base_url, colours, extent=extent, api_key=api_key)
