"""The vector tiles described for desktop clients: a TileJSON 3.0 document per tiled layer and a
Mapbox GL style (version 8) drawing them as the web map does.

QGIS (vector tile layer), MapLibre and other clients read these instead of guessing the tiles'
address, zooms and fields. The tiles carry no parcel status (statuses change every day; the
page colours parcels from a separate snapshot), so the style draws what the tiles carry: zones
by kind, zoning plots by function, parcels by land-use family, each a style layer of its own
named by its legend line, so a client's legend lists the same entries as the page's.
"""

from __future__ import annotations

import math

import numpy as np
import shapely

from landgis.tiles.grid import WORLD_HALF
from landgis.tiles.layers import LAYERS, ORDINAL, UnknownLayer
from landgis.tiles.pyramid import PYRAMID_MAX_ZOOM
from landgis.vocabularies import LAND_USE, PLAN_FUNCTION, ZONE_KIND

TILEJSON_VERSION = "3.0.0"
#: The world as Web Mercator shows it (TileJSON's default bounds)
WORLD_BOUNDS = [-180.0, -85.0511, 180.0, 85.0511]
_FIELD_TEXT = {ORDINAL: "Number (số hiệu đối tượng của thửa / the parcel's feature id)"}


def _lonlat(x: float, y: float) -> tuple[float, float]:
    lon = x / WORLD_HALF * 180.0
    lat = math.degrees(math.atan(math.sinh(y / WORLD_HALF * math.pi)))
    return lon, lat


def _field_type(values: np.ndarray) -> str:
    for v in values:
        if v is not None:
            return "String" if isinstance(v, str) else "Number"
    return "String"


def tilejson(store, layer: str, tiles_url: str, *, name: str | None = None,
             views=None) -> dict:
    """The TileJSON 3.0 document of tiled ``layer`` of ``store``.

    ``tiles_url`` is the absolute tile address with ``{z}``, ``{x}`` and ``{y}``. Bounds and
    centre are the layer's extent in longitude/latitude (the world when the store has no such
    layer); ``maxzoom`` is the deepest zoom the tiles are built at (clients draw deeper zooms
    from it). Raises :class:`~landgis.tiles.layers.UnknownLayer` for a layer that is not tiled.
    """
    from landgis.dataview import views_of

    spec = LAYERS.get(layer)
    if spec is None:
        raise UnknownLayer(f"no tiled layer {layer!r}; layers: {', '.join(LAYERS)}")
    index = views_of(views).current(store).layer_index(layer)  # None: no such layer
    bounds = list(WORLD_BOUNDS)
    if index is None:
        fields = {c: _FIELD_TEXT.get(c, "String") for c in spec.tile_columns}
    else:
        fields = {c: _FIELD_TEXT.get(c, _field_type(index.columns[c]))
                  for c in spec.tile_columns}
        if len(index):
            minx, miny, maxx, maxy = shapely.total_bounds(index.geoms)
            bounds = [round(v, 6) for v in (*_lonlat(minx, miny), *_lonlat(maxx, maxy))]
    maxzoom = max(PYRAMID_MAX_ZOOM, spec.minzoom)
    center = [round((bounds[0] + bounds[2]) / 2, 6), round((bounds[1] + bounds[3]) / 2, 6),
              spec.minzoom]
    return {
        "tilejson": TILEJSON_VERSION,
        "name": name or layer,
        "scheme": "xyz",
        "tiles": [tiles_url],
        "minzoom": spec.minzoom,
        "maxzoom": maxzoom,
        "bounds": bounds,
        "center": center,
        "vector_layers": [{"id": layer, "fields": fields, "minzoom": spec.minzoom,
                           "maxzoom": maxzoom}],
    }


# --------------------------------------------------------------------------- the style


def _label(vocab, code: str) -> str:
    vi, en = vocab.labels[code]
    return f"{vi} / {en}"


def _by_colour(colours: dict[str, str]) -> dict[str, list[str]]:
    """Codes grouped by colour, in the order the colours first appear (the page's legend)."""
    out: dict[str, list[str]] = {}
    for code, colour in colours.items():
        out.setdefault(colour, []).append(code)
    return out


def mapbox_style(tilejson_urls: dict[str, str], palette: dict, *, name: str = "landgis",
                 basemap_url: str | None = None) -> dict:
    """A Mapbox GL style (version 8) of the tiled layers whose TileJSON addresses are
    ``tilejson_urls`` (layer name -> absolute URL), coloured by ``palette``:

    ``zone_kind``, ``function`` and ``land_use`` (code -> colour, as the page colours them),
    ``plot_outline``, ``plot_opacity``, ``zone_width``, ``parcel_outline``, ``parcel_opacity``
    and ``other`` (the colour of a code without one). ``basemap_url`` (a raster tile address
    with ``{z}/{x}/{y}``) adds the basemap under everything.
    """
    sources: dict = {}
    layers: list = []
    if basemap_url:
        sources["basemap"] = {"type": "raster", "tiles": [basemap_url], "tileSize": 256}
        layers.append({"id": "Nền địa hình / Hillshade", "type": "raster", "source": "basemap"})
    for layer, url in tilejson_urls.items():
        sources[layer] = {"type": "vector", "url": url}

    def fill(source, label, colour, opacity, outline, flt):
        out = {"id": label, "type": "fill", "source": source, "source-layer": source,
               "minzoom": LAYERS[source].minzoom,
               "paint": {"fill-color": colour, "fill-opacity": opacity,
                         "fill-outline-color": outline}}
        if flt is not None:
            out["filter"] = flt
        return out

    def categories(source, field, colours, vocab, opacity, outline, prefix):
        for colour, codes in _by_colour(colours).items():
            names = [_label(vocab, c) if len(codes) == 1 and c in vocab else c for c in codes]
            layers.append(fill(source, f"{prefix}: {', '.join(names)}", colour, opacity,
                               outline, ["in", field, *codes]))
        layers.append(fill(source, f"{prefix}: khác / other", palette["other"], opacity,
                           outline, ["!in", field, *colours]))

    if "zoning_plots" in tilejson_urls:
        categories("zoning_plots", "function", palette["function"], PLAN_FUNCTION,
                   palette["plot_opacity"], palette["plot_outline"], "Lô quy hoạch / Zoning plot")
    if "parcels" in tilejson_urls:
        categories("parcels", "land_use_code", palette["land_use"], LAND_USE,
                   palette["parcel_opacity"], palette["parcel_outline"], "Thửa đất / Parcel")
    if "zones" in tilejson_urls:  # outlines on top, as on the page
        for kind, colour in palette["zone_kind"].items():
            layers.append({"id": _label(ZONE_KIND, kind), "type": "line", "source": "zones",
                           "source-layer": "zones", "minzoom": LAYERS["zones"].minzoom,
                           "filter": ["==", "kind", kind],
                           "paint": {"line-color": colour, "line-width": palette["zone_width"]}})
    return {"version": 8, "name": name, "sources": sources, "layers": layers}
