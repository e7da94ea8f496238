"""Geometry helpers of the demo generator: irregular outlines, exact areas, cuts by bisection.

Everything works on the plane of the storage CRS (EPSG:9216, metres), where shapely's ``.area``
is the legal plane area.
"""

from __future__ import annotations

import math

import numpy as np
import shapely
from shapely import affinity
from shapely.geometry import LineString, MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry


#: The precision grid of every overlay (metres): snapping (a micrometre grid) keeps cuts free
#: of the hair-thin slivers that floating-point noding leaves along shared edges.
GRID_M = 1e-6


def clip(a: BaseGeometry, b: BaseGeometry) -> Polygon | MultiPolygon:
    """The polygonal intersection of ``a`` and ``b`` on the micrometre grid."""
    return polygonal(shapely.intersection(a, b, grid_size=GRID_M))


def minus(a: BaseGeometry, b: BaseGeometry) -> Polygon | MultiPolygon:
    """The polygonal difference ``a - b`` on the micrometre grid."""
    return polygonal(shapely.difference(a, b, grid_size=GRID_M))


def merge(geoms) -> Polygon | MultiPolygon:
    """The polygonal union of ``geoms`` on the micrometre grid."""
    return polygonal(shapely.union_all(np.asarray(list(geoms), dtype=object), grid_size=GRID_M))


def polygonal(geom: BaseGeometry | None) -> Polygon | MultiPolygon:
    """The polygonal part of ``geom`` (drops the points and lines an overlay may leave)."""
    if geom is None or geom.is_empty:
        return MultiPolygon()
    if isinstance(geom, (Polygon, MultiPolygon)):
        return geom
    parts = [p for p in shapely.get_parts(geom) if isinstance(p, (Polygon, MultiPolygon))]
    polys = []
    for p in parts:
        polys.extend(shapely.get_parts(p) if isinstance(p, MultiPolygon) else [p])
    polys = [p for p in polys if p.area > 0]
    if not polys:
        return MultiPolygon()
    return polys[0] if len(polys) == 1 else MultiPolygon(polys)


def to_multi(geom: BaseGeometry) -> MultiPolygon:
    """``geom`` as a MultiPolygon (the polygonal part only)."""
    geom = polygonal(geom)
    if isinstance(geom, Polygon):
        return MultiPolygon([geom])
    return geom


def scale_to_area(geom: BaseGeometry, area: float) -> BaseGeometry:
    """``geom`` scaled about its centroid so that its plane area is ``area`` (exact)."""
    factor = math.sqrt(area / geom.area)
    return affinity.scale(geom, factor, factor, origin="centroid")


def star_polygon(rng: np.random.Generator, *, n_vertices: int = 48, roughness: float = 0.12,
                 aspect: float = 1.0, angle_deg: float = 0.0) -> Polygon:
    """An irregular, star-shaped simple polygon of unit-ish size centred on the origin.

    The radius is one plus a few random low harmonics plus a little vertex noise, so the outline
    wobbles like a drawn boundary (not a circle, not a rectangle). ``aspect`` stretches it along
    y before it is rotated by ``angle_deg`` (counter-clockwise).
    """
    theta = np.sort(rng.uniform(0, 2 * np.pi, n_vertices))
    radius = np.ones(n_vertices)
    for k in range(2, 7):
        radius += roughness / (k - 1) ** 0.8 * np.cos(k * theta + rng.uniform(0, 2 * np.pi))
    radius *= 1 + rng.normal(0, roughness / 6, n_vertices)
    radius = np.clip(radius, 0.35, None)
    x = radius * np.cos(theta)
    y = radius * np.sin(theta) * aspect
    a = math.radians(angle_deg)
    xr = x * math.cos(a) - y * math.sin(a)
    yr = x * math.sin(a) + y * math.cos(a)
    return shapely.make_valid(Polygon(np.column_stack([xr, yr])))


def bisect(fn, lo: float, hi: float, target: float, *, iterations: int = 60,
           rel_tol: float = 1e-7) -> float:
    """The ``x`` in [lo, hi] where the increasing function ``fn(x)`` reaches ``target``."""
    for _ in range(iterations):
        mid = 0.5 * (lo + hi)
        value = fn(mid)
        if abs(value - target) <= rel_tol * max(abs(target), 1.0):
            return mid
        if value < target:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def fit_area_within(shape: BaseGeometry, container: BaseGeometry, area: float) -> BaseGeometry:
    """``shape`` scaled about its centroid until its part inside ``container`` has ``area``."""
    shape = scale_to_area(shape, area)

    def clipped(factor):
        return clip(affinity.scale(shape, factor, factor, origin="centroid"), container)

    factor = bisect(lambda f: clipped(f).area, 0.5, 4.0, area, rel_tol=1e-9)
    return clipped(factor)


def long_axis_angle(geom: BaseGeometry) -> float:
    """The direction (radians) of the longer side of ``geom``'s minimum rotated rectangle."""
    rect = np.asarray(shapely.minimum_rotated_rectangle(geom).exterior.coords)
    edges = np.diff(rect[:3], axis=0)
    longest = edges[np.argmax(np.hypot(edges[:, 0], edges[:, 1]))]
    return math.atan2(longest[1], longest[0])


def projections(geom: BaseGeometry, angle: float) -> tuple[float, float]:
    """The smallest and largest projection of ``geom``'s vertices on the direction ``angle``."""
    xy = shapely.get_coordinates(geom)
    t = xy[:, 0] * math.cos(angle) + xy[:, 1] * math.sin(angle)
    return float(t.min()), float(t.max())


def half_plane(geom: BaseGeometry, angle: float, t: float, *, below: bool = True) -> Polygon:
    """A polygon covering the part of ``geom``'s surroundings where ``p · u <= t`` (or ``>=``)."""
    minx, miny, maxx, maxy = geom.bounds
    size = 2 * (maxx - minx + maxy - miny) + 10
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    ux, uy = math.cos(angle), math.sin(angle)
    shift = t - (cx * ux + cy * uy)
    bx, by = cx + ux * shift, cy + uy * shift  # on the line p·u = t
    vx, vy = -uy * size, ux * size  # along the line
    sx, sy = (-ux * size, -uy * size) if below else (ux * size, uy * size)
    return Polygon([(bx - vx, by - vy), (bx + vx, by + vy), (bx + vx + sx, by + vy + sy),
                    (bx - vx + sx, by - vy + sy)])


def cut_off(geom: BaseGeometry, area: float, angle: float, *, from_low: bool = True
            ) -> tuple[BaseGeometry, BaseGeometry]:
    """Cut a piece of plane area ``area`` off ``geom`` with a line across direction ``angle``.

    The piece is taken from the low end of the direction (or the high end with
    ``from_low=False``). Returns ``(piece, rest)``; the two tile ``geom``.
    """
    lo, hi = projections(geom, angle)
    if area >= geom.area:
        return geom, MultiPolygon()

    def piece(t):
        return clip(geom, half_plane(geom, angle, t, below=from_low))

    if from_low:
        t = bisect(lambda x: piece(x).area, lo, hi, area, rel_tol=1e-9)
    else:
        t = -bisect(lambda x: piece(-x).area, -hi, -lo, area, rel_tol=1e-9)
    cut = piece(t)
    return cut, minus(geom, cut)


def split_lots(geom: BaseGeometry, k: int, rng: np.random.Generator, *, jitter: float = 0.12
               ) -> list[BaseGeometry]:
    """Split ``geom`` into ``k`` lots of about equal area by cuts across its long side.

    Each cut halves the lot count (binary partition), so the lots stay compact rather than
    becoming thin strips; ``jitter`` varies the share of each cut by up to that fraction.
    """
    if k <= 1:
        return [geom]
    k1 = k // 2 if k % 2 == 0 or rng.uniform() < 0.5 else k - k // 2
    share = k1 / k * (1 + rng.uniform(-jitter, jitter))
    first, second = cut_off(geom, share * geom.area, long_axis_angle(geom))
    return split_lots(first, k1, rng, jitter=jitter) + split_lots(second, k - k1, rng,
                                                                  jitter=jitter)


def line_through(point: tuple[float, float], angle: float, length: float) -> LineString:
    """A straight line of ``length`` centred on ``point`` along the direction ``angle``."""
    dx, dy = math.cos(angle) * length / 2, math.sin(angle) * length / 2
    x, y = point
    return LineString([(x - dx, y - dy), (x + dx, y + dy)])
