"""Cadastral-looking tessellation: a region cut by map sheets, each sheet cut into Voronoi cells.

A region (one commune's part of a parcel area) is cut by a grid of square map sheets aligned to
round VN-2000 coordinates. Each sheet piece gets its share of the parcels, as random points
relaxed by Lloyd iterations; the Voronoi cells of the points, optionally stretched along a
direction (fields are longer than wide), are clipped to the piece. Pieces are worked one at a
time, so memory and time grow linearly with the number of parcels, and each piece has its own
random stream, so the result does not depend on the order of work.

No overlay here snaps to a grid: every parcel is a clip of a Voronoi cell by its piece, and the
pieces are clips of the region by the sheets, so the parcels tile the region exactly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import MultiPoint, box

from landgis.demo.geometry import polygonal

#: Side of a cadastral map sheet (metres).
SHEET_M = 500.0


@dataclass
class Tessellation:
    """Parcels of one region: their geometries and the grid cell (sheet) each lies on."""

    geoms: np.ndarray  # shapely Polygon/MultiPolygon (or their WKB)
    sheet_i: np.ndarray  # column of the sheet grid (easting // SHEET_M)
    sheet_j: np.ndarray  # row of the sheet grid (northing // SHEET_M)


def sheet_pieces(region, *, sheet_m: float = SHEET_M, min_area: float = 0.0
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The region cut by the sheet grid: ``(pieces, i, j, is_box)``, one polygon per piece.

    ``is_box`` marks the pieces that are whole sheet squares.

    Pieces smaller than ``min_area`` are merged into the neighbour they share the longest edge
    with (so a parcel may cross a sheet line where the region barely touches a sheet).
    """
    minx, miny, maxx, maxy = region.bounds
    ii, jj = np.meshgrid(np.arange(math.floor(minx / sheet_m), math.ceil(maxx / sheet_m)),
                         np.arange(math.floor(miny / sheet_m), math.ceil(maxy / sheet_m)))
    ii, jj = ii.ravel(), jj.ravel()
    boxes = shapely.box(ii * sheet_m, jj * sheet_m, (ii + 1) * sheet_m, (jj + 1) * sheet_m)
    shapely.prepare(region)
    hit = shapely.intersects(region, boxes)
    ii, jj, boxes = ii[hit], jj[hit], boxes[hit]
    inside = shapely.contains_properly(region, boxes)
    clipped = boxes.copy()
    clipped[~inside] = shapely.intersection(boxes[~inside], region)
    pieces, owner = shapely.get_parts(clipped, return_index=True)
    keep = shapely.get_type_id(pieces) == 3
    pieces, owner = pieces[keep], owner[keep]
    keep = shapely.area(pieces) > 0
    pieces, owner = pieces[keep], owner[keep]
    pieces, owner = _merge_small(pieces, owner, min_area)
    whole = inside[owner] & (np.abs(shapely.area(pieces) - sheet_m**2) < 1e-6 * sheet_m**2)
    return pieces, ii[owner], jj[owner], whole


def _merge_small(pieces: np.ndarray, owner: np.ndarray, min_area: float):
    areas = shapely.area(pieces)
    small = np.flatnonzero(areas < min_area)
    if len(small) == 0 or len(pieces) == 1:
        return pieces, owner
    pieces = pieces.copy()
    alive = np.ones(len(pieces), bool)
    tree = shapely.STRtree(pieces)
    for k in small[np.argsort(areas[small], kind="stable")]:
        candidates = [c for c in tree.query(pieces[k], predicate="intersects")
                      if c != k and alive[c]]
        if not candidates:
            continue
        shared = shapely.length(shapely.intersection(
            shapely.boundary(pieces[k]), shapely.boundary(pieces[candidates])))
        best = candidates[int(np.argmax(shared))]
        if shared.max() <= 0:
            continue
        pieces[best] = polygonal(shapely.union(pieces[best], pieces[k]))
        alive[k] = False
    return pieces[alive], owner[alive]


def allocate(weights: np.ndarray, total: int) -> np.ndarray:
    """``total`` split over ``weights``, at least one each, by largest remainder."""
    n = len(weights)
    if total < n:
        raise ValueError(f"{total} parcels cannot cover {n} sheet pieces; ask for more")
    share = (total - n) * weights / weights.sum()
    counts = np.floor(share).astype(np.int64)
    left = total - n - counts.sum()
    order = np.argsort(-(share - counts), kind="stable")
    counts[order[:left]] += 1
    return counts + 1


def _stretch(angle_deg: float, aspect: float, origin: tuple[float, float]):
    """Forward and inverse maps of the plane that shrink ``aspect`` times along ``angle``."""
    a = math.radians(angle_deg)
    c, s = math.cos(a), math.sin(a)
    ox, oy = origin

    def forward(xy):
        x, y = xy[:, 0] - ox, xy[:, 1] - oy
        u, v = x * c + y * s, -x * s + y * c
        return np.column_stack([u / aspect, v])

    def inverse(uv):
        u, v = uv[:, 0] * aspect, uv[:, 1]
        return np.column_stack([u * c - v * s + ox, u * s + v * c + oy])

    return forward, inverse


def sample_points(piece, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` random points inside ``piece`` (rejection sampling in its bounding box)."""
    minx, miny, maxx, maxy = piece.bounds
    ratio = (maxx - minx) * (maxy - miny) / piece.area
    shapely.prepare(piece)
    found = []
    need = n
    while need > 0:
        m = int(need * ratio * 1.2) + 8
        x = rng.uniform(minx, maxx, m)
        y = rng.uniform(miny, maxy, m)
        ok = shapely.contains_xy(piece, x, y)
        pts = np.column_stack([x[ok], y[ok]])[:need]
        found.append(pts)
        need -= len(pts)
    return np.concatenate(found)


def voronoi_cells(piece, points: np.ndarray, forward, inverse, *, is_box: bool = False
                  ) -> np.ndarray:
    """The Voronoi cells of ``points`` (in the stretched plane) clipped to ``piece``.

    With ``is_box`` (the piece is a whole sheet square) the convex cells are clipped by the
    fast rectangle clip.
    """
    uv = forward(points)
    corners = forward(np.array(box(*piece.bounds).exterior.coords))
    lo, hi = corners.min(axis=0), corners.max(axis=0)
    pad = (hi - lo).max() + 10
    envelope = box(lo[0] - pad, lo[1] - pad, hi[0] + pad, hi[1] + pad)
    diagram = shapely.voronoi_polygons(MultiPoint(uv), extend_to=envelope, ordered=True)
    cells = shapely.transform(shapely.get_parts(diagram), inverse)
    shapely.prepare(piece)
    edge = ~shapely.contains_properly(piece, cells)
    clipped = cells.copy()
    if is_box:
        clipped[edge] = shapely.clip_by_rect(cells[edge], *piece.bounds)
    else:
        clipped[edge] = shapely.intersection(cells[edge], piece)
    odd = np.flatnonzero(~np.isin(shapely.get_type_id(clipped), (3, 6)))
    for k in odd:
        clipped[k] = polygonal(clipped[k])
    return clipped


def tessellate_piece(piece, n: int, rng: np.random.Generator, *, lloyd: int = 2,
                     aspect: float = 1.0, angle_deg: float = 0.0, is_box: bool = False
                     ) -> np.ndarray:
    """``n`` cells tiling ``piece``: relaxed random points, stretched Voronoi, clipped."""
    if n == 1:
        return np.array([piece], dtype=object)
    c = piece.centroid
    forward, inverse = _stretch(angle_deg, aspect, (c.x, c.y))
    points = sample_points(piece, n, rng)
    for _ in range(lloyd):
        cells = voronoi_cells(piece, points, forward, inverse, is_box=is_box)
        centres = shapely.get_coordinates(shapely.centroid(cells))
        if len(centres) != len(points):
            break
        ok = shapely.contains_xy(piece, centres[:, 0], centres[:, 1])
        points = np.where(ok[:, None], centres, points)
    cells = voronoi_cells(piece, points, forward, inverse, is_box=is_box)
    keep = ~shapely.is_empty(cells)
    return cells[keep]


def tessellate(region, n: int, seed_key: tuple[int, ...], *, lloyd: int = 2,
               aspect: float = 1.0, angle_deg: float = 0.0, sheet_m: float = SHEET_M,
               wkb: bool = False) -> Tessellation:
    """Cut ``region`` into ``n`` cadastral-looking parcels, sheet by sheet.

    Parameters
    ----------
    region : shapely Polygon or MultiPolygon
        The area to cover, in a metre CRS.
    n : int
        The number of parcels (at least the number of sheet pieces).
    seed_key : tuple of int
        The random key; piece ``k`` draws from ``default_rng([*seed_key, k])``.
    lloyd : int
        Lloyd relaxation iterations (0 keeps the random points).
    aspect, angle_deg : float
        Parcels are about ``aspect`` times longer along ``angle_deg`` than across.
    sheet_m : float
        The side of a map sheet.
    wkb : bool
        Give the parcels as WKB, each sheet piece's as soon as it is cut (a third of the
        memory of shapely geometries, for a million parcels).

    Returns
    -------
    Tessellation
        ``n`` parcels (fewer only if a cell clipped to nothing, which should not happen).
    """
    mean_area = region.area / n
    pieces, ii, jj, whole = sheet_pieces(region, sheet_m=sheet_m, min_area=0.3 * mean_area)
    counts = allocate(shapely.area(pieces), n)
    out_geoms, out_i, out_j = [], [], []
    for k, (piece, count) in enumerate(zip(pieces, counts)):
        rng = np.random.default_rng([*seed_key, k])
        cells = tessellate_piece(piece, int(count), rng, lloyd=lloyd, aspect=aspect,
                                 angle_deg=angle_deg, is_box=bool(whole[k]))
        out_geoms.append(shapely.to_wkb(cells) if wkb else cells)
        out_i.append(np.full(len(cells), ii[k]))
        out_j.append(np.full(len(cells), jj[k]))
    return Tessellation(np.concatenate(out_geoms), np.concatenate(out_i),
                        np.concatenate(out_j))


#: At most this many parcels are edge-matched in one go (more would hold gigabytes of noding
#: structures at once: 5.5 GB for a million); a larger set is cleaned block by block.
CLEAN_CHUNK = 50_000


def clean_coverage(wkb: np.ndarray, sheet_i: np.ndarray, sheet_j: np.ndarray, *,
                   snapping_distance: float = 0.001, chunk: int = CLEAN_CHUNK) -> np.ndarray:
    """``shapely.coverage_clean`` of the cells given as WKB, in blocks of map sheets when
    there are more than ``chunk`` of them, so that memory stays bounded whatever the number of
    parcels (the cells wait as WKB, a third of the memory of shapely geometries).

    Each block of sheets (about ``chunk / 2`` parcels) is cleaned together with every cell of
    the other blocks within a metre of it, in the order of ``wkb``, and keeps only its own
    cleaned cells: a cell is edge-matched with all its neighbours, as in one clean of the whole
    set (the same polygons; a ring may start at another of its vertices). Up to ``chunk``
    cells: one clean of the whole set.
    """
    n = len(wkb)
    if n <= chunk:
        return shapely.coverage_clean(shapely.from_wkb(wkb), snapping_distance=snapping_distance)
    bounds = np.concatenate([shapely.bounds(shapely.from_wkb(wkb[k:k + chunk]))
                             for k in range(0, n, chunk)])
    sheets = np.column_stack([sheet_i, sheet_j]).astype(np.int64)
    per_sheet = n / len(np.unique(sheets, axis=0))
    side = max(1, int(math.sqrt(chunk / 2 / per_sheet)))  # sheets along a block's side
    _, block = np.unique(np.floor_divide(sheets, side), axis=0, return_inverse=True)
    block = block.ravel()
    out = np.empty(n, dtype=object)
    order = np.argsort(block, kind="stable")
    for own in np.split(order, np.flatnonzero(np.diff(block[order])) + 1):
        own = np.sort(own)
        lo, hi = bounds[own, :2].min(axis=0) - 1.0, bounds[own, 2:].max(axis=0) + 1.0
        near = np.flatnonzero((bounds[:, 0] <= hi[0]) & (bounds[:, 2] >= lo[0])
                              & (bounds[:, 1] <= hi[1]) & (bounds[:, 3] >= lo[1]))
        cleaned = shapely.coverage_clean(shapely.from_wkb(wkb[near]),
                                         snapping_distance=snapping_distance)
        out[own] = cleaned[np.searchsorted(near, own)]
    return out
