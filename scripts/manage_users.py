#!/usr/bin/env python
"""Create and manage the web map's accounts (roles: viewer, editor, admin).

The command ``landgis-users``; its code is landgis_scripts/manage_users.py
(``--help`` for the options).
"""

from landgis_scripts.manage_users import cli

if __name__ == "__main__":
    cli()
