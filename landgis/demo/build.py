"""Build every demo layer, deterministically, from the source tables and a seed."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from landgis.demo.ledger import build_status_events
from landgis.demo.parcels import build_parcels
from landgis.demo.plots import build_zoning_plots
from landgis.demo.progress import (DEMO_TODAY, apply_holders, claim_parcels, demo_events,
                                   demo_registers, lot_auction_dates, record_demo_progress)
from landgis.demo.projects import build_projects
from landgis.demo.sources import read_sources
from landgis.demo.zones import build_zones
from landgis.memory import release_freed_memory

DEFAULT_SEED = 2019

#: The layers written as they are, in this order (parcels last: each write copies the file,
#: and the parcels are what makes it large); the progress registers and ledger are recorded
#: after them, through the core.
WRITE_ORDER = ("zones", "zoning_plots", "plan_targets", "projects", "status_events", "parcels")
#: What :func:`write_demo_store` records through the core.
PROGRESS_LAYERS = ("auction_lots", "investments", "progress_events")


def build_demo_layers(seed: int = DEFAULT_SEED, n_parcels: int | None = None,
                      sources_dir: str | Path | None = None) -> dict[str, pd.DataFrame]:
    """Build the demo layers of the Kon Tum zones.

    Names, decisions, planned areas and commune codes are the published facts of the source
    tables; every geometry, plot layout, parcel attribute, tenant, investor, figure and
    document number is illustrative. The same seed gives identical layers.

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
        ``status_events`` and ``plan_targets`` (DataFrames), and what
        :func:`write_demo_store` records through the core: the ``investments`` and
        ``auction_lots`` registers and the ``progress_events`` to record (no ``recorded_by``
        or ``recorded_at`` yet; the auction results' sold/unsold parcel events are written
        when they are recorded).

    Examples
    --------
    >>> layers = build_demo_layers()  # doctest: +SKIP
    >>> sorted(layers)  # doctest: +SKIP
    ['auction_lots', 'investments', 'parcels', 'plan_targets', 'progress_events', 'projects',
     'status_events', 'zones', 'zoning_plots']
    """
    if n_parcels is not None and n_parcels < 0:
        raise ValueError(f"n_parcels must be positive, not {n_parcels}")
    sources = read_sources(sources_dir)
    zones = build_zones(sources)
    plots = build_zoning_plots(sources, zones, seed)
    parcels = build_parcels(sources, zones, plots, seed, n_parcels)
    claims = claim_parcels(sources, parcels)
    investments, lots = demo_registers(sources, plots, parcels, claims)
    progress = demo_events(sources)
    plots = apply_holders(plots, investments, progress)
    events = build_status_events(parcels, seed, claims, lot_auction_dates(sources, progress),
                                 DEMO_TODAY)
    projects = build_projects(sources, zones)
    plan_targets = sources.plan_targets[["zone_code", "function", "planned_area_ha", "source"]]
    return {
        "zones": zones,
        "zoning_plots": plots,
        "parcels": parcels,
        "projects": projects,
        "status_events": events,
        "plan_targets": plan_targets.reset_index(drop=True).copy(),
        "investments": investments,
        "auction_lots": lots,
        "progress_events": progress,
    }


def write_demo_store(store, *, seed: int = DEFAULT_SEED, n_parcels: int | None = None,
                     sources_dir: str | Path | None = None
                     ) -> tuple[dict[str, pd.DataFrame], dict[str, int]]:
    """Build the demo layers and put them in ``store`` (a new, empty store): the layers of
    :data:`WRITE_ORDER` written as they are, then the progress registers and events recorded
    through the core as user ``demo`` (the auction results adding their parcels' sold/unsold
    events to ``status_events``).

    Returns the layers as built (see :func:`build_demo_layers`) but the ``parcels``, which
    are let go once written (a million of them would otherwise stay in memory while the
    progress is recorded: read them from the store), and the rows each layer of the store
    holds."""
    layers = build_demo_layers(seed=seed, n_parcels=n_parcels, sources_dir=sources_dir)
    counts = {name: len(layers[name]) for name in WRITE_ORDER}
    release_freed_memory()
    for name in WRITE_ORDER:
        if name == "parcels":
            write_parcels(store, layers.pop("parcels"))
        else:
            store.write_layer(name, layers[name])
    release_freed_memory()
    recorded = record_demo_progress(store, layers)
    counts["status_events"] += recorded.pop("status_events")
    counts.update(recorded)
    return layers, counts


#: Parcels written to a new GeoPackage at a time (a million at once would need 0.8 GB more).
WRITE_BLOCK = 100_000


def write_parcels(store, parcels) -> None:
    """Write the ``parcels`` layer into ``store``: checked whole against the contract, then,
    in a new GeoPackage, the first :data:`WRITE_BLOCK` parcels through the store and the rest
    appended block by block (the same rows in the same order as one write; the file is not
    anyone's store yet). Other stores: one write."""
    from landgis import contract
    from landgis.store.geopackage import GeoPackageStore

    if not isinstance(store, GeoPackageStore) or len(parcels) <= WRITE_BLOCK:
        store.write_layer("parcels", parcels)
        return
    import pyogrio

    contract.validate_layer(parcels, contract.PARCELS, crs_epsg=contract.STORAGE_EPSG)
    store.write_layer("parcels", parcels.iloc[:WRITE_BLOCK].copy(), validate=False)
    # as the layer was made: MultiPolygon when the first block mixed both kinds
    multi = pyogrio.read_info(store.path, layer="parcels")["geometry_type"] == "MultiPolygon"
    for start in range(WRITE_BLOCK, len(parcels), WRITE_BLOCK):
        pyogrio.write_dataframe(parcels.iloc[start:start + WRITE_BLOCK].copy(), store.path,
                                layer="parcels", driver="GPKG", append=True, use_arrow=True,
                                promote_to_multi=multi)
        release_freed_memory()
