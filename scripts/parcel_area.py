#!/usr/bin/env python
"""Land-fund tables and parcel areas, in the terminal or as CSV, XLSX or JSON.

The command ``landgis-area``; its code is landgis_scripts/parcel_area.py
(``--help`` for the options).
"""

from landgis_scripts.parcel_area import cli

if __name__ == "__main__":
    cli()
