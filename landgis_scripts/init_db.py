"""Set up a PostGIS store and optionally load a GeoPackage's layers into it, in one transaction.

    python scripts/init_db.py --db postgresql:///landgis
    python scripts/init_db.py --db "postgresql://gis@db.local/landgis?schema=kontum" \\
        --from layers/kontum.gpkg

Creates what the store needs, each only when missing: the PostGIS extension, EPSG:9216 in
spatial_ref_sys (Debian's PostGIS 3.3 lacks it; registered from pyproj's definition), the
schema and its ``<schema>_history`` schema, the ``landgis_meta`` and ``import_batches`` tables.
With ``--from`` every layer of the GeoPackage (the status ledger too, as the initial ledger) is
checked against the contract and written, each as a batch, all or none. Exit code 0 when done,
1 when the database or the data refuse (nothing loaded), 2 for bad arguments.
"""

from __future__ import annotations

import getpass
import hashlib
from pathlib import Path

from landgis.contract import LAYERS, STATUS_EVENTS
from landgis.store.base import Batch, StoreError
from landgis.store.geopackage import GeoPackageStore
from landgis.store.postgis import PostGISStore, is_postgres_url, mask
from landgis_scripts import _cli


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def main() -> int:
    p = _cli.parser(__doc__.splitlines()[0])
    p.add_argument("--from", dest="source", metavar="FILE.gpkg",
                   help="a GeoPackage whose layers to load (all of them, the ledger included)")
    p.add_argument("--user", default=None, help="who loads (default: the login name)")
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
    if source is None:
        return 0

    src = GeoPackageStore(source)
    names = src.layers()
    if not names:
        raise StoreError(f"{source}: no layers to load")
    present = sorted(set(names) & set(store.layers()))
    if present:
        raise StoreError(
            f"{mask(url)}: schema {store.schema!r} already holds {', '.join(present)}; load "
            "into an empty schema (?schema=NAME) or replace layers with import_layer.py")
    # the contract's layers first, in its order, the ledger last; then any extra tables
    order = [n for n in LAYERS if n in names and n != STATUS_EVENTS.name]
    order += [n for n in names if n not in LAYERS]
    order += [STATUS_EVENTS.name] if STATUS_EVENTS.name in names else []
    digest = sha256(source)
    user = args.user or getpass.getuser()
    written = []
    with store.transaction():
        for name in order:
            df = src.read_layer(name)
            batch = store.write_layer(name, df, batch=Batch(
                source_name=source.name, user=user, source_sha256=digest,
                counts={"features": len(df)}, note="init_db.py"))
            written.append((name, len(df), batch))
    for name, count, batch in written:
        print(f"  {name:<16} {count:>9,} (batch {batch})")
    print(f"đã nạp / loaded {len(written)} layer(s) from {source} (sha256 {digest[:12]}…)")
    return 0


def cli() -> None:
    """The ``landgis-init-db`` command."""
    _cli.run(main)


if __name__ == "__main__":
    cli()
