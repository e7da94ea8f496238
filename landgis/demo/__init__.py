"""The demo layers of the Kon Tum economic zone: real names and figures, illustrative shapes.

:func:`build_demo_layers` builds, deterministically from a seed, the ``zones``,
``zoning_plots``, ``parcels``, ``projects`` and ``status_events`` layers (and the
``plan_targets`` table) from the CSV source tables in ``layers/sources/``. It writes nothing:
``scripts/make_demo_layers.py`` stores the result.

Examples
--------
>>> from landgis.demo import build_demo_layers
>>> layers = build_demo_layers(seed=2019)  # doctest: +SKIP
>>> len(layers["parcels"])  # doctest: +SKIP
6440
"""

from landgis.demo.build import DEFAULT_SEED, build_demo_layers
from landgis.demo.sources import DEFAULT_SOURCES_DIR, read_sources

__all__ = ["DEFAULT_SEED", "DEFAULT_SOURCES_DIR", "build_demo_layers", "read_sources"]
