#!/usr/bin/env python
"""Import a survey or a plan into a layer of the store, validated, as one atomic batch.

The command ``landgis-import``; its code is landgis_scripts/import_layer.py
(``--help`` for the options).
"""

from landgis_scripts.import_layer import cli

if __name__ == "__main__":
    cli()
