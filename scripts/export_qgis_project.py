#!/usr/bin/env python
"""Write a QGIS project (.qgz) whose layers read a running landgis server.

The command ``landgis-qgis``; its code is landgis_scripts/export_qgis_project.py
(``--help`` for the options).
"""

from landgis_scripts.export_qgis_project import cli

if __name__ == "__main__":
    cli()
