#!/usr/bin/env python
"""Set up a PostGIS store and optionally load a GeoPackage's layers into it, in one transaction.

The command ``landgis-init-db``; its code is landgis_scripts/init_db.py
(``--help`` for the options).
"""

from landgis_scripts.init_db import cli

if __name__ == "__main__":
    cli()
