#!/usr/bin/env python
"""The progress of projects, investors and auction lots as of a date, printed or written out.

The command ``landgis-progress``; its code is landgis_scripts/progress.py
(``--help`` for the options).
"""

from landgis_scripts.progress import cli

if __name__ == "__main__":
    cli()
