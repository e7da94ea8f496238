"""Build every demo layer, deterministically, from the source tables and a seed."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from landgis.demo.ledger import build_status_events
from landgis.demo.parcels import build_parcels
from landgis.demo.plots import build_zoning_plots
from landgis.demo.projects import build_projects
from landgis.demo.sources import read_sources
from landgis.demo.zones import build_zones

DEFAULT_SEED = 2019


def build_demo_layers(seed: int = DEFAULT_SEED, n_parcels: int | None = None,
                      sources_dir: str | Path | None = None) -> dict[str, pd.DataFrame]:
    """Build the demo layers of the Kon Tum zones.

    Names, decisions, planned areas and commune codes are the published facts of the source
    tables; every geometry, plot layout, parcel attribute, tenant and document number is
    illustrative. The same seed gives identical layers.

    Parameters
    ----------
    seed : int
        The random seed (default 2019). The zone outlines do not depend on it.
    n_parcels : int, optional
        Build about this many parcels for benchmarks: the parks and clusters keep their
        default parcels and the rest fill a region around the Bờ Y border gate (about
        1,500 m² a parcel, capped at the whole zone). None: the default set (about 6,400).
    sources_dir : str or Path, optional
        The folder of the source CSV files (default: ``layers/sources/`` of the repository).

    Returns
    -------
    dict
        ``zones``, ``zoning_plots``, ``parcels``, ``projects`` (GeoDataFrames in EPSG:9216),
        ``status_events`` and ``plan_targets`` (DataFrames).

    Examples
    --------
    >>> layers = build_demo_layers()  # doctest: +SKIP
    >>> sorted(layers)  # doctest: +SKIP
    ['parcels', 'plan_targets', 'projects', 'status_events', 'zones', 'zoning_plots']
    """
    if n_parcels is not None and n_parcels < 0:
        raise ValueError(f"n_parcels must be positive, not {n_parcels}")
    sources = read_sources(sources_dir)
    zones = build_zones(sources)
    plots = build_zoning_plots(sources, zones, seed)
    parcels = build_parcels(sources, zones, plots, seed, n_parcels)
    events = build_status_events(parcels, seed)
    projects = build_projects(sources, zones)
    plan_targets = sources.plan_targets[["zone_code", "function", "planned_area_ha", "source"]]
    return {
        "zones": zones,
        "zoning_plots": plots,
        "parcels": parcels,
        "projects": projects,
        "status_events": events,
        "plan_targets": plan_targets.reset_index(drop=True).copy(),
    }
