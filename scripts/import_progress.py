#!/usr/bin/env python
"""Import the Board's progress workbook (.xlsx or .csv) into the registers and the ledger.

The command ``landgis-import-progress``; its code is landgis_scripts/import_progress.py
(``--help`` for the options).
"""

from landgis_scripts.import_progress import cli

if __name__ == "__main__":
    cli()
