"""Illustrative attributes of the parcels: land use, owner kind and the legal (recorded) area.

Land use comes in patches, as on a real map: a smooth random field over each area is cut at
the quantiles of the area's land-use mix (``land_use_mix`` in ``parcel_areas.csv``), a few
parcels are redrawn at random, and parcels crossed by a few straight roads and wavy streams
become transport (DGT) and river (SON) land. In a cleared park (``road_lines`` = ``plots``) the
plan's road plots give the transport land.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import shapely
from shapely.geometry import LineString

#: Share of parcels whose land use is redrawn at random, off the patch pattern.
SCATTER = 0.08

#: Land uses held by the state, and by organisations.
STATE_USES = ("DGT", "SON", "NTD", "DTL", "TSC", "MNC")
ORGANIZATION_USES = ("SKK", "SKN", "SKC", "SKT")

#: Legal-area noise: the share of parcels off by 5-15 %, and the sd of the others (fraction).
LEGAL_OFF_SHARE = 0.015
LEGAL_NOISE_SD = 0.003


def parse_mix(text: str) -> tuple[np.ndarray, np.ndarray]:
    """``"CLN:0.4;BHK:0.6"`` as codes and shares summing to one."""
    pairs = [p.split(":") for p in str(text).split(";") if p.strip()]
    codes = np.array([c.strip() for c, _ in pairs], dtype=object)
    shares = np.array([float(s) for _, s in pairs])
    return codes, shares / shares.sum()


def _smooth_field(x: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    field = np.zeros(len(x))
    for wavelength in rng.uniform(250, 1200, 5):
        a = rng.uniform(0, 2 * np.pi)
        k = 2 * np.pi / wavelength
        field += np.sin(k * (x * math.cos(a) + y * math.sin(a)) + rng.uniform(0, 2 * np.pi))
    return field


def _lines(x, y, count: int, rng: np.random.Generator, *, wavy: bool) -> list[LineString]:
    cx, cy = np.median(x), np.median(y)
    span = max(np.ptp(x), np.ptp(y), 1.0)
    lines = []
    for _ in range(count):
        px = cx + rng.uniform(-0.3, 0.3) * np.ptp(x)
        py = cy + rng.uniform(-0.3, 0.3) * np.ptp(y)
        a = rng.uniform(0, np.pi)
        t = np.linspace(-span, span, 200 if wavy else 2)
        wave = (span / 25 * np.sin(t / span * rng.uniform(6, 12)) if wavy else 0 * t)
        lx = px + t * math.cos(a) - wave * math.sin(a)
        ly = py + t * math.sin(a) + wave * math.cos(a)
        lines.append(LineString(np.column_stack([lx, ly])))
    return lines


def assign_land_use(per: pd.DataFrame, geoms: np.ndarray, x: np.ndarray, y: np.ndarray,
                    plots, seed: int) -> np.ndarray:
    """The land-use code of every parcel.

    Parameters
    ----------
    per : pandas.DataFrame
        The ``parcel_areas.csv`` row of each parcel, with an ``area_index`` column.
    geoms, x, y : numpy.ndarray
        The parcels and a point inside each.
    plots : geopandas.GeoDataFrame
        The zoning plots (their road plots become transport land where asked).
    seed : int
        The build seed.
    """
    out = np.empty(len(geoms), dtype=object)
    area_index = per["area_index"].to_numpy()
    for a in np.unique(area_index):
        idx = np.flatnonzero(area_index == a)
        row = per.iloc[idx[0]]
        rng = np.random.default_rng([seed, 11, int(a)])
        codes, shares = parse_mix(row["land_use_mix"])
        rank = np.argsort(np.argsort(_smooth_field(x[idx], y[idx], rng), kind="stable"),
                          kind="stable")
        quantile = (rank + 0.5) / len(idx)
        use = codes[np.searchsorted(np.cumsum(shares), quantile, side="right").clip(0,
                                                                                   len(codes) - 1)]
        redraw = rng.uniform(size=len(idx)) < SCATTER
        use[redraw] = rng.choice(codes, size=int(redraw.sum()), p=shares)
        roads = str(row["road_lines"])
        if roads == "plots":
            mask = (plots.zone_code == row["zone_code"]) & (plots.function == "roads")
            road_plots = shapely.union_all(plots.geometry.values[mask.to_numpy()])
            use[shapely.contains_xy(road_plots, x[idx], y[idx])] = "DGT"
        else:
            tree = shapely.STRtree(geoms[idx])
            for code, count, wavy in (("SON", int(row["stream_lines"]), True),
                                      ("DGT", int(float(roads)), False)):
                for line in _lines(x[idx], y[idx], count, rng, wavy=wavy):
                    use[tree.query(line, predicate="intersects")] = code
        out[idx] = use
    return out


def owner_kinds(land_use: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """``household``, ``organization`` or ``state`` consistent with each land use."""
    out = np.full(len(land_use), "household", dtype=object)
    draw = rng.uniform(size=len(land_use))
    out[np.isin(land_use, ORGANIZATION_USES)] = "organization"
    out[(land_use == "TMD") & (draw < 0.6)] = "organization"
    out[(land_use == "RSX") & (draw < 0.3)] = "organization"
    out[np.isin(land_use, STATE_USES)] = "state"
    return out


def legal_areas(plane: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The recorded area: the plane area with survey noise, a few parcels far off (m², 0.1)."""
    error = rng.normal(0, LEGAL_NOISE_SD, len(plane))
    off = rng.uniform(size=len(plane)) < LEGAL_OFF_SHARE
    sign = np.where(rng.uniform(size=len(plane)) < 0.5, -1.0, 1.0)
    error[off] = sign[off] * rng.uniform(0.05, 0.15, int(off.sum()))
    return np.round(plane * (1 + error), 1)
