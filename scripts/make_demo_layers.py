#!/usr/bin/env python
"""Build the demo GeoPackage of the Kon Tum zones (illustrative geometry, real names and figures).

The command ``landgis-demo``; its code is landgis_scripts/make_demo_layers.py
(``--help`` for the options).
"""

from landgis_scripts.make_demo_layers import cli

if __name__ == "__main__":
    cli()
