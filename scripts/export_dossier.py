#!/usr/bin/env python
"""Export an auction lot's dossier: GeoJSON, GeoPackage, coordinate tables, PDF sheet, manifest.

The command ``landgis-dossier``; its code is landgis_scripts/export_dossier.py
(``--help`` for the options).
"""

from landgis_scripts.export_dossier import cli

if __name__ == "__main__":
    cli()
