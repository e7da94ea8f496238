"""Set up a PostGIS store and optionally load a GeoPackage's layers into it, in one transaction.

    python scripts/init_db.py --db postgresql:///landgis
    python scripts/init_db.py --db "postgresql://gis@db.local/landgis?schema=kontum" \\
        --from layers/kontum.gpkg

Creates what the store needs, each only when missing: the PostGIS extension, EPSG:9216 in
spatial_ref_sys (Debian's PostGIS 3.3 lacks it; registered from pyproj's definition), the
schema and its ``<schema>_history`` schema, the ``landgis_meta`` and ``import_batches`` tables.
With ``--from`` every layer of the GeoPackage (the status ledger too, as the initial ledger) is
checked against the contract and written, each as a batch, all or none.

With ``--reader NAME`` a login role NAME is made (or its password changed) that may only read
the views for desktop clients (``parcels_status``, ``investments_current``): no table, no
writing. Its password is asked at the prompt (or read from LANDGIS_NEW_PASSWORD). Exit code 0
when done, 1 when the database or the data refuse (nothing loaded), 2 for bad arguments.

    python scripts/init_db.py --db postgresql:///landgis --reader qgis
"""

from __future__ import annotations

import getpass
from pathlib import Path

from landgis.store import open_store
from landgis.store.copy import copy_store
from landgis.store.pg_views import grant_reader
from landgis.store.postgis import PostGISStore, is_postgres_url, mask
from landgis_scripts import _cli
from landgis_scripts.manage_users import new_password


def main() -> int:
    p = _cli.parser(__doc__.splitlines()[0])
    p.add_argument("--from", dest="source", metavar="FILE.gpkg",
                   help="a GeoPackage whose layers to load (all of them, the ledger included)")
    p.add_argument("--user", default=None, help="who loads (default: the login name)")
    p.add_argument("--reader", metavar="ROLE",
                   help="a login role that may only read the views (QGIS); password asked")
    args = p.parse_args()
    url = _cli.settings(args).database_url
    if not is_postgres_url(url):
        p.error(f"--db {mask(url)!r}: give a postgresql:// URL (a GeoPackage needs no set-up)")
    source = Path(args.source) if args.source else None
    if source is not None and source.suffix.lower() != ".gpkg":
        p.error(f"--from {source}: a GeoPackage (.gpkg) file")

    store = PostGISStore(url, create=True)
    print(f"sẵn sàng / ready: {mask(url)} (schema {store.schema}, history "
          f"{store.history_schema}; PostGIS, EPSG:9216)")
    if source is not None:
        load(store, source, args.user)
    if args.reader:
        views = grant_reader(store, args.reader, new_password())
        print(f"vai trò chỉ đọc / read-only role {args.reader}: SELECT on "
              f"{', '.join(f'{store.schema}.{v}' for v in views)} only")
    return 0


def load(store, source: Path, user: str | None) -> None:
    """Every layer of the GeoPackage ``source`` into ``store``, all or none."""
    copied = copy_store(open_store(source), store, user=user or getpass.getuser(),
                        note="init_db.py")
    digest, written = copied.source_sha256, copied.layers
    for name, count, batch in written:
        print(f"  {name:<16} {count:>9,} (batch {batch})")
    print(f"đã nạp / loaded {len(written)} layer(s) from {source} (sha256 {digest[:12]}…)")


def cli() -> None:
    """The ``landgis-init-db`` command."""
    _cli.run(main)


if __name__ == "__main__":
    cli()
