"""One map figure per park for the report: the zone's outline, its zoning plots and its parcels
coloured by clearance status as of the period's last day, over the basemap raster (the
hillshade GeoTIFF), with a legend, a scale bar and a north arrow. Drawn in the storage plane
(EPSG:9216, metres), where a scale bar is a plain length.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import shapely  # noqa: E402
from matplotlib.patches import Patch, PathPatch  # noqa: E402
from matplotlib.path import Path as MPath  # noqa: E402

from landgis.ledger import current_status  # noqa: E402
from landgis.report import charts  # noqa: E402
from landgis.report.model import MapFigure  # noqa: E402
from landgis.vocabularies import CLEARANCE_STATUS  # noqa: E402

#: the web map's clearance colours (webmap/pagemap.py), so the report reads like the map
CLEARANCE_COLOURS = {
    "not_started": "#9e9e9e", "inventoried": "#ffd54f", "plan_approved": "#ffb74d",
    "compensated": "#4fc3f7", "handed_over": "#43a047", "disputed": "#e53935",
}
ZONE_COLOUR = "#b71c1c"
PLOT_COLOUR = "#37474f"


class MapError(ValueError):
    """A map the report cannot draw (a zone the store does not hold)."""


def _patch(geoms, **style) -> PathPatch | None:
    """All polygons of ``geoms`` as one matplotlib patch (holes kept)."""
    verts, codes = [], []
    for geom in geoms:
        if geom is None or geom.is_empty:
            continue
        for poly in getattr(geom, "geoms", [geom]):
            for ring in [poly.exterior, *poly.interiors]:
                xy = np.asarray(ring.coords)[:, :2]
                verts.append(xy)
                codes.append([MPath.MOVETO] + [MPath.LINETO] * (len(xy) - 2) + [MPath.CLOSEPOLY])
    if not verts:
        return None
    return PathPatch(MPath(np.concatenate(verts), np.concatenate(codes)), **style)


def _basemap(ax, raster, bounds) -> None:
    """The basemap raster's window over ``bounds`` (storage CRS), read at about screen
    resolution from the GeoTIFF's overviews; nothing when there is none."""
    if not raster or not Path(raster).is_file():
        return
    import rasterio
    from rasterio.windows import from_bounds

    with rasterio.open(raster) as src:
        if src.crs is None or src.crs.to_epsg() != 9216:
            return  # a basemap in another plane would not line up: leave it out
        left, bottom, right, top = (max(bounds[0], src.bounds.left),
                                    max(bounds[1], src.bounds.bottom),
                                    min(bounds[2], src.bounds.right),
                                    min(bounds[3], src.bounds.top))
        if left >= right or bottom >= top:
            return
        window = from_bounds(left, bottom, right, top, src.transform)
        out_w = max(1, min(1200, int(window.width)))
        out_h = max(1, int(round(window.height * out_w / max(window.width, 1))))
        band = src.read(1, window=window, out_shape=(out_h, out_w))
    ax.imshow(band, cmap="gray", extent=(left, right, bottom, top), origin="upper",
              alpha=0.55, zorder=0, interpolation="bilinear")


def _scale_bar(ax, bounds, lang) -> None:
    width = bounds[2] - bounds[0]
    target = width / 5
    step = 10 ** np.floor(np.log10(target))
    length = max(s * step for s in (1, 2, 5) if s * step <= target)
    x0 = bounds[0] + width * 0.05
    y0 = bounds[1] + (bounds[3] - bounds[1]) * 0.05
    ax.plot([x0, x0 + length], [y0, y0], color="black", linewidth=3, zorder=5,
            solid_capstyle="butt")
    text = f"{length / 1000:g} km" if length >= 1000 else f"{length:g} m"
    ax.text(x0 + length / 2, y0, text.replace(".", ",") if lang == "vi" else text,
            ha="center", va="bottom", fontsize=8, zorder=5)


def _north_arrow(ax) -> None:
    ax.annotate("N", xy=(0.94, 0.94), xytext=(0.94, 0.82), xycoords="axes fraction",
                ha="center", va="center", fontsize=10, fontweight="bold", zorder=6,
                arrowprops={"facecolor": "black", "width": 3, "headwidth": 9})


def map_png(store, figure: MapFigure, as_of, path, *, lang: str = "vi",
            basemap: str | None = None) -> Path:
    """Draw the map of ``figure.zone_code`` as it stood on ``as_of`` into ``path`` (PNG)."""
    charts._style()
    code = figure.zone_code
    zones = store.read_table("zones", columns=["zone_code", "name_vi", "name_en"])
    zone = zones[zones["zone_code"] == code]
    if zone.empty:
        raise MapError(f"không có khu / no zone {code!r} in the zones layer")
    outline = zone["geometry"].iloc[0]
    minx, miny, maxx, maxy = outline.bounds
    pad = 0.06 * max(maxx - minx, maxy - miny, 1.0)
    bounds = (minx - pad, miny - pad, maxx + pad, maxy + pad)
    layers = set(store.layers())
    parcels = store.read_layer("parcels", bbox=bounds, columns=["parcel_id", "zone_code"]) \
        if "parcels" in layers else None
    plots = store.read_layer("zoning_plots", bbox=bounds, columns=["plot_code", "zone_code"]) \
        if "zoning_plots" in layers else None

    fig, ax = plt.subplots(figsize=(7.0, 6.0), dpi=charts.DPI)
    _basemap(ax, basemap, bounds)
    present = []
    fine = (bounds[2] - bounds[0]) < 3000
    if parcels is not None and len(parcels):
        parcels = parcels[parcels["zone_code"] == code]
        events = store.read_table("status_events") if "status_events" in layers else None
        status = (current_status(events, parcels["parcel_id"], as_of=as_of)["clearance_status"]
                  if events is not None else None)
        for value in CLEARANCE_STATUS.codes:
            if status is None:
                geoms = parcels.geometry.values if value == "not_started" else []
            else:
                geoms = parcels.geometry.values[(status.values == value)]
            # parcel edges in white only where parcels are large enough on paper to show
            # them; on a wide zone white edges would hide the small parcels' colour
            edge = "white" if fine else CLEARANCE_COLOURS[value]
            patch = _patch(geoms, facecolor=CLEARANCE_COLOURS[value], edgecolor=edge,
                           linewidth=0.15 if fine else 0.4, alpha=0.85, zorder=2)
            if patch is not None:
                ax.add_patch(patch)
                present.append(value)
    if plots is not None and len(plots):
        patch = _patch(plots[plots["zone_code"] == code].geometry.values, facecolor="none",
                       edgecolor=PLOT_COLOUR, linewidth=0.6, linestyle="--", zorder=3)
        if patch is not None:
            ax.add_patch(patch)
    ax.add_patch(_patch([outline], facecolor="none", edgecolor=ZONE_COLOUR, linewidth=1.6,
                        zorder=4))
    handles = [Patch(facecolor=CLEARANCE_COLOURS[v], label=CLEARANCE_STATUS.label(v, lang))
               for v in present]
    handles.append(Patch(facecolor="none", edgecolor=PLOT_COLOUR, linestyle="--",
                         label="lô quy hoạch" if lang == "vi" else "zoning plot"))
    handles.append(Patch(facecolor="none", edgecolor=ZONE_COLOUR,
                         label="ranh giới khu" if lang == "vi" else "zone boundary"))
    ax.legend(handles=handles, loc="lower right", fontsize=7, framealpha=0.9)
    ax.set_xlim(bounds[0], bounds[2])
    ax.set_ylim(bounds[1], bounds[3])
    ax.set_aspect("equal")
    for side in ax.spines.values():
        side.set_visible(True)
    ax.set_xticks([])
    ax.set_yticks([])
    _scale_bar(ax, bounds, lang)
    _north_arrow(ax)
    name = zone["name_vi" if lang == "vi" else "name_en"].iloc[0] or code
    ax.set_title(f"{name} ({code})", fontsize=10)
    ax.text(0.0, -0.02, "VN-2000 / EPSG:9216", transform=ax.transAxes, fontsize=6,
            va="top", color="#555555")
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, format="png")
    plt.close(fig)
    return path
