#!/usr/bin/env python
"""The half-year or annual review report of a period, written as Word, Excel and PDF files.

The command ``landgis-report``; its code is landgis_scripts/report.py
(``--help`` for the options).
"""

from landgis_scripts.report import cli

if __name__ == "__main__":
    cli()
