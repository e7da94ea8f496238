"""The source tables of the demo layers: small CSV files of facts and drawing parameters.

They live in ``layers/sources/`` of the repository (data, not code): ``zones.csv`` (names,
decisions, planned and drawn areas, locations), ``communes.csv`` (survey communes and the current
units they became), ``plan_targets.csv`` (the area of each plan function), ``plot_layouts.csv``
(how the zoning plots are laid out), ``parcel_areas.csv`` (where parcels are drawn and how),
``projects.csv`` (the projects of the Board's 2019 review), and the progress of issue 13:
``investments.csv`` (investors' projects in the zones), ``auction_lots.csv`` (the Bờ Y auction
lots) and ``progress_events.csv`` (the events of projects, investments and lots), read by
:mod:`landgis.demo.progress`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

#: The default folder of the source files, found relative to this package.
DEFAULT_SOURCES_DIR = Path(__file__).resolve().parents[2] / "layers" / "sources"

_FILES = ("zones", "communes", "plan_targets", "plot_layouts", "parcel_areas", "projects",
          "investments", "auction_lots", "progress_events")

_NUMERIC = {
    "zones": ("planned_area_ha", "drawn_area_ha", "centre_lat", "centre_lon", "anchor_lat",
              "anchor_lon", "shape_seed", "aspect", "angle_deg", "roughness"),
    "plan_targets": ("planned_area_ha",),
    "plot_layouts": ("main_road_width_m", "cross_streets", "lot_mean_ha", "reserved_share",
                     "leased_share"),
    "parcel_areas": ("centre_lat", "centre_lon", "area_ha", "shape_seed", "aspect", "angle_deg",
                     "split_lon", "n_parcels", "mean_parcel_m2", "cell_aspect", "cell_angle_deg",
                     "stream_lines"),
    "projects": ("lat", "lon"),
    "investments": ("lat", "lon", "parcels"),
    "auction_lots": ("lat", "lon", "parcels"),
}


@dataclass(frozen=True)
class Sources:
    """The source tables, one DataFrame each (text columns as str, empty cells as NaN)."""

    zones: pd.DataFrame
    communes: pd.DataFrame
    plan_targets: pd.DataFrame
    plot_layouts: pd.DataFrame
    parcel_areas: pd.DataFrame
    projects: pd.DataFrame
    investments: pd.DataFrame
    auction_lots: pd.DataFrame
    progress_events: pd.DataFrame
    folder: Path


def read_sources(sources_dir: str | Path | None = None) -> Sources:
    """Read the source tables from ``sources_dir`` (default: ``layers/sources/``).

    Parameters
    ----------
    sources_dir : str or Path, optional
        The folder holding the CSV files.

    Returns
    -------
    Sources

    Raises
    ------
    FileNotFoundError
        Naming the missing file and the folder searched.
    """
    folder = Path(sources_dir) if sources_dir is not None else DEFAULT_SOURCES_DIR
    tables = {}
    for name in _FILES:
        path = folder / f"{name}.csv"
        if not path.is_file():
            raise FileNotFoundError(f"demo source table {name}.csv not found in {folder}")
        df = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""],
                         encoding="utf-8")
        for col in _NUMERIC.get(name, ()):
            if col in df.columns:
                df[col] = pd.to_numeric(df[col])
        tables[name] = df
    return Sources(folder=folder, **tables)


def split_codes(text) -> list[str]:
    """``"23311;23296"`` as ``["23311", "23296"]`` (empty for a missing value)."""
    if not isinstance(text, str):
        return []
    return [t.strip() for t in text.split(";") if t.strip()]
