"""Write a QGIS project (.qgz) whose layers read a running landgis server.

    python scripts/export_qgis_project.py --url http://192.168.1.10:8080 [--out landgis.qgz]

The layers (zones, zoning plots, parcels with their status, projects, investments, the basemap)
connect to the server at --url, the address the desktop reaches it at; the project opens on
the extent of the store's zones (--db). The same project is served at /qgis/landgis.qgz.
"""

from __future__ import annotations

import sys
from pathlib import Path

from landgis.qgis_project import store_project_qgz
from landgis.store import open_store
from landgis_scripts import _cli


def main() -> int:
    p = _cli.parser(__doc__.splitlines()[0])
    p.add_argument("--url", required=True, help="the server's address, http://host:port")
    p.add_argument("--out", default="landgis.qgz", help="the project file (default landgis.qgz)")
    p.add_argument("--api-key", default=None,
                   help="a read-only API key written into the layers' URLs")
    args = p.parse_args()
    from webmap.qgis import map_colours  # the web map's colours, defined once there

    store = open_store(_cli.settings(args).database_url)
    try:
        body = store_project_qgz(store, args.url, map_colours(), api_key=args.api_key)
    except ValueError as exc:
        print(f"lỗi / error: {exc}", file=sys.stderr)
        return 2
    finally:
        store.close()
    Path(args.out).write_bytes(body)
    print(f"đã ghi / written {args.out} ({len(body)} bytes)")
    return 0


def cli() -> None:
    """The ``landgis-qgis`` command."""
    _cli.run(main)


if __name__ == "__main__":
    cli()
