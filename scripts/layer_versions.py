#!/usr/bin/env python
"""List the import batches of the store, or restore the version a batch replaced.

The command ``landgis-versions``; its code is landgis_scripts/layer_versions.py
(``--help`` for the options).
"""

from landgis_scripts.layer_versions import cli

if __name__ == "__main__":
    cli()
