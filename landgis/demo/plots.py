"""The ``zoning_plots`` layer: the lots (lô quy hoạch) of a park's detailed plan.

Each park listed in ``plot_layouts.csv`` is tiled, with no gap and no overlap, by plots whose
function areas hit the targets of ``plan_targets.csv``:

1. roads: a main axis along the park's long side plus cross streets, buffered centre-lines
   whose width is found by bisection so the road area is right (the main road keeps its
   published width where one is given);
2. green: an isolation belt along the park boundary, its depth found by bisection; left-over
   scraps too small to be lots join it, and a last slice cut from a block makes it exact;
3. administration and services, housing, technical infrastructure: cut off blocks by a line
   placed by bisection (administration at the entrance end, housing at the far end);
4. factories: what is left, split into lots of one to five hectares.

The layouts are illustrative; the ``source`` column of each plot says where its totals come from.
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from landgis.crs import STORAGE_CRS
from landgis.demo.geometry import (
    bisect,
    clip,
    cut_off,
    line_through,
    long_axis_angle,
    merge,
    minus,
    polygonal,
    projections,
    split_lots,
    to_multi,
)
from landgis.demo.sources import Sources
from landgis.demo.zones import zone_geometry

#: Plot-code letters of each function (CN = công nghiệp, ...).
FUNCTION_PREFIX = {"factory": "CN", "warehouse": "KB", "admin_services": "DV", "technical": "HT",
                   "roads": "GT", "green": "CX", "housing": "NO", "water": "MN"}

#: Illustrative building rules: (max coverage %, max height m); None where they do not apply.
BUILDING_RULES = {"factory": (70.0, 25.0), "warehouse": (70.0, 15.0),
                  "admin_services": (40.0, 25.0), "technical": (50.0, 12.0),
                  "housing": (50.0, 20.0), "green": (5.0, 6.0), "roads": (None, None),
                  "water": (None, None)}

LEASABLE = ("factory", "warehouse", "admin_services", "housing")

#: Functions carved out of the blocks, with the end of the park each is taken from.
CARVED = (("admin_services", "axis", True), ("housing", "axis", False),
          ("technical", "across", True), ("warehouse", "across", False),
          ("water", "across", False))

SMALL_BLOCK_M2 = 5_000.0

_ACTIVITIES = ("Chế biến gỗ", "Chế biến nông sản", "Cơ khí", "Vật liệu xây dựng", "Dược liệu",
               "Chế biến cà phê", "Tinh bột sắn", "Bao bì", "May mặc", "Thức ăn chăn nuôi",
               "Chế biến cao su", "Phân bón hữu cơ", "Nước giải khát", "Sâm dược liệu",
               "Mây tre đan", "Gạch không nung", "Chế biến mắc ca", "Cơ khí nông nghiệp")
_NAMES = ("An Phú", "Bình Minh", "Cát Tường", "Đại Thành", "Gia Hưng", "Hòa Phát Tây Nguyên",
          "Hưng Long", "Kim Sơn", "Minh Khang", "Ngọc Lâm", "Phúc An", "Quang Vinh", "Sơn Hà",
          "Tân Tiến", "Thành Công", "Thiên Phú", "Trường Xuân", "Việt Tín")
_FORMS = ("Công ty TNHH", "Công ty cổ phần")


def tenant_names(rng: np.random.Generator, n: int, activities=_ACTIVITIES) -> list[str]:
    """``n`` distinct illustrative tenant names, each ending in "(minh họa)"."""
    combos = [(f, a, b) for f in _FORMS for a in activities for b in _NAMES]
    pick = rng.choice(len(combos), size=n, replace=False)
    return [f"{combos[i][0]} {combos[i][1]} {combos[i][2]} (minh họa)" for i in pick]


def _road_network(zone, angle, main_width, cross_width, cross_positions):
    lo, hi = projections(zone, angle)
    span = (hi - lo) * 3 + 1000
    c = zone.centroid
    lines = [line_through((c.x, c.y), angle, span).buffer(main_width / 2, cap_style="flat")]
    ux, uy = math.cos(angle), math.sin(angle)
    c_t = c.x * ux + c.y * uy
    for t in cross_positions:
        p = (c.x + ux * (t - c_t), c.y + uy * (t - c_t))
        lines.append(line_through(p, angle + math.pi / 2, span)
                     .buffer(cross_width / 2, cap_style="flat"))
    return clip(merge(lines), zone)


def lay_roads(zone, target_m2: float, angle: float, main_width: float | None, n_cross: int,
              rng: np.random.Generator):
    """The road plot: buffered centre-lines whose area is ``target_m2``."""
    lo, hi = projections(zone, angle)
    fractions = (np.arange(1, n_cross + 1) + rng.uniform(-0.15, 0.15, n_cross)) / (n_cross + 1)
    positions = lo + (hi - lo) * fractions
    if main_width and n_cross:
        if _road_network(zone, angle, main_width, 0.01, positions).area < target_m2:
            width = bisect(lambda w: _road_network(zone, angle, main_width, w, positions).area,
                           0.01, 200.0, target_m2, rel_tol=1e-8)
            return _road_network(zone, angle, main_width, width, positions)
    width = bisect(lambda w: _road_network(zone, angle, w, w, positions).area,
                   0.01, 400.0, target_m2, rel_tol=1e-8)
    return _road_network(zone, angle, width, width, positions)


def _parts(geom) -> list:
    return [p for p in shapely.get_parts(polygonal(geom)) if p.area > 0]


def lay_green(zone, rest, target_m2: float, angle: float):
    """Split ``rest`` into the green belt plots (area ``target_m2``) and the building blocks."""

    def split(depth):
        inner = clip(rest, zone.buffer(-depth))
        belt = minus(rest, inner)
        blocks = _parts(inner)
        scraps = [b for b in blocks if b.area < SMALL_BLOCK_M2]
        blocks = [b for b in blocks if b.area >= SMALL_BLOCK_M2]
        return _parts(belt) + scraps, blocks

    def green_area(depth):
        return sum(g.area for g in split(depth)[0])

    lo, hi = 0.0, math.sqrt(zone.area)
    for _ in range(60):  # keep the low side: green may jump when a block becomes a scrap
        mid = (lo + hi) / 2
        if green_area(mid) <= target_m2:
            lo = mid
        else:
            hi = mid
    green, blocks = split(lo)
    missing = target_m2 - sum(g.area for g in green)
    if missing > 0.01:
        blocks.sort(key=lambda b: -b.area)
        piece, blocks[0] = cut_off(blocks[0], missing, angle + math.pi / 2)
        green.append(piece)
    return green, [b for b in blocks if b.area > 0]


def _take(blocks: list, area: float, key, from_low: bool, angle: float) -> tuple[list, list]:
    """Take ``area`` from the blocks, starting with the block ``key`` ranks first.

    The piece is cut from the first block that leaves a rest big enough to be a lot; whole
    blocks are taken only while no single block is big enough.
    """
    blocks = sorted(blocks, key=key, reverse=not from_low)
    taken = []
    while blocks and area > 0.01:
        fits = [i for i, b in enumerate(blocks) if b.area >= area + SMALL_BLOCK_M2]
        if not fits and blocks[0].area <= area:
            block = blocks.pop(0)
            taken.append(block)
            area -= block.area
            continue
        block = blocks.pop(fits[0] if fits else 0)
        piece, rest = cut_off(block, area, angle, from_low=from_low)
        taken.append(piece)
        blocks.append(rest)
        area = 0.0
    return taken, blocks


def layout_zone(zone, targets: dict[str, float], layout: pd.Series, rng: np.random.Generator
                ) -> list[tuple[str, object]]:
    """Tile ``zone`` with ``(function, geometry)`` plots whose areas hit ``targets`` (ha)."""
    angle = long_axis_angle(zone)
    main_width = layout["main_road_width_m"]
    main_width = None if pd.isna(main_width) else float(main_width)
    plots: list[tuple[str, object]] = []
    rest = zone
    if targets.get("roads"):
        roads = lay_roads(zone, targets["roads"] * 1e4, angle, main_width,
                          int(layout["cross_streets"]), rng)
        plots += [("roads", p) for p in _parts(roads)]
        rest = minus(zone, roads)
    if targets.get("green"):
        green, blocks = lay_green(zone, rest, targets["green"] * 1e4, angle)
        plots += [("green", g) for g in green]
    else:
        blocks = _parts(rest)
    for function, direction, from_low in CARVED:
        if not targets.get(function):
            continue
        a = angle if direction == "axis" else angle + math.pi / 2
        vx, vy = math.cos(a), math.sin(a)

        def key(b, vx=vx, vy=vy):
            c = b.centroid
            return c.x * vx + c.y * vy

        taken, blocks = _take(blocks, targets[function] * 1e4, key, from_low, a)
        plots.append((function, merge(taken)))
    lot_mean = float(layout["lot_mean_ha"]) * 1e4
    blocks.sort(key=lambda b: (-round(b.centroid.y, -2), b.centroid.x))
    for block in blocks:
        k = max(1, int(round(block.area / lot_mean)))
        plots += [("factory", p) for p in split_lots(block, k, rng)]
    return plots


def build_zoning_plots(sources: Sources, zones: gpd.GeoDataFrame, seed: int
                       ) -> gpd.GeoDataFrame:
    """The ``zoning_plots`` layer of every park in ``plot_layouts.csv``.

    Parameters
    ----------
    sources : Sources
        The source tables.
    zones : geopandas.GeoDataFrame
        The ``zones`` layer.
    seed : int
        The build seed (cross-street jitter, lot shares, lease statuses, tenant names).

    Returns
    -------
    geopandas.GeoDataFrame
        The contract columns plus ``area_ha`` and ``source``, MultiPolygon in EPSG:9216.
    """
    frames = []
    for index, layout in sources.plot_layouts.iterrows():
        code = layout["zone_code"]
        rng = np.random.default_rng([seed, 7, index])
        t = sources.plan_targets[sources.plan_targets.zone_code == code]
        targets = dict(zip(t.function, t.planned_area_ha.astype(float)))
        zone = polygonal(zone_geometry(zones, code))
        plots = layout_zone(zone, targets, layout, rng)
        frames.append(_plot_rows(code, plots, layout, rng))
    df = pd.concat(frames, ignore_index=True)
    return gpd.GeoDataFrame(df, geometry="geometry", crs=STORAGE_CRS)


def _plot_rows(code: str, plots, layout: pd.Series, rng: np.random.Generator) -> pd.DataFrame:
    functions = np.array([f for f, _ in plots], dtype=object)
    geoms = [to_multi(g) for _, g in plots]
    points = shapely.point_on_surface(np.asarray(geoms, dtype=object))
    x, y = shapely.get_x(points), shapely.get_y(points)
    order = np.lexsort((x, -np.round(y, -2), functions))
    functions, geoms = functions[order], [geoms[i] for i in order]
    short = code.split("-", 1)[1]
    numbers = pd.Series(functions).groupby(functions).cumcount().to_numpy() + 1
    plot_codes = [f"{short}-{FUNCTION_PREFIX[f]}-{n:02d}" for f, n in zip(functions, numbers)]
    lease = np.full(len(functions), None, dtype=object)
    tenant = np.full(len(functions), None, dtype=object)
    leasable = np.isin(functions, LEASABLE)
    lease[leasable] = "vacant"
    factory = rng.permutation(np.flatnonzero(functions == "factory"))
    n_leased = int(round(float(layout["leased_share"]) * len(factory)))
    n_reserved = int(round(float(layout["reserved_share"]) * len(factory)))
    lease[factory[:n_leased]] = "leased"
    lease[factory[n_leased:n_leased + n_reserved]] = "reserved"
    if float(layout["leased_share"]) >= 1.0:  # fully let: the service plots too
        lease[leasable] = "leased"
    let = np.isin(lease, ["leased", "reserved"])
    is_factory = functions == "factory"
    tenant[let & is_factory] = tenant_names(rng, int((let & is_factory).sum()))
    tenant[let & ~is_factory] = tenant_names(rng, int((let & ~is_factory).sum()),
                                             ("Dịch vụ khu công nghiệp",))
    rules = [BUILDING_RULES[f] for f in functions]
    return pd.DataFrame({
        "plot_code": plot_codes,
        "zone_code": code,
        "function": functions,
        "max_coverage_pct": np.array([r[0] if r[0] is not None else np.nan for r in rules],
                                     float),
        "max_height_m": np.array([r[1] if r[1] is not None else np.nan for r in rules], float),
        "lease_status": lease,
        "tenant": tenant,
        "area_ha": np.round([g.area / 1e4 for g in geoms], 4),
        "source": layout["plot_source"],
        "geometry": geoms,
    })
