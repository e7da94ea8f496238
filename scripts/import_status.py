#!/usr/bin/env python
"""Import a status list (.xlsx or .csv) from the compensation council or the auction unit.

The command ``landgis-status``; its code is landgis_scripts/import_status.py
(``--help`` for the options).
"""

from landgis_scripts.import_status import cli

if __name__ == "__main__":
    cli()
