"""The demo layers of the Kon Tum economic zone: real names and figures, illustrative shapes.

:func:`build_demo_layers` builds, deterministically from a seed, the ``zones``,
``zoning_plots``, ``parcels``, ``projects`` and ``status_events`` layers (and the
``plan_targets`` table) from the CSV source tables in ``layers/sources/``, with the
``investments`` and ``auction_lots`` registers and the ``progress_events`` of issue 13. It
writes nothing; :func:`write_demo_store` puts them in a store (the progress through the core,
as an editor's data would go) for ``scripts/make_demo_layers.py``.

Examples
--------
>>> from landgis.demo import build_demo_layers
>>> layers = build_demo_layers(seed=2019)  # doctest: +SKIP
>>> len(layers["parcels"])  # doctest: +SKIP
6440
"""

from landgis.demo.build import DEFAULT_SEED, build_demo_layers, write_demo_store
from landgis.demo.progress import DEMO_TODAY
from landgis.demo.sources import DEFAULT_SOURCES_DIR, read_sources

__all__ = ["DEFAULT_SEED", "DEFAULT_SOURCES_DIR", "DEMO_TODAY", "build_demo_layers",
           "read_sources", "write_demo_store"]
