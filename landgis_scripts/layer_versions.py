"""List the import batches of the store, or restore the version a batch replaced.

    python scripts/layer_versions.py list [--layer parcels]
    python scripts/layer_versions.py restore 7
"""

from __future__ import annotations

import getpass

from landgis.store import open_store
from landgis_scripts import _cli


def main() -> int:
    p = _cli.parser(__doc__.splitlines()[0])
    common = _cli.parser("", add_help=False)  # so that --db may follow the command too
    sub = p.add_subparsers(dest="command", required=True)
    ls = sub.add_parser("list", help="the batches, oldest first", parents=[common])
    ls.add_argument("--layer")
    rs = sub.add_parser("restore", help="put back the version that batch ID replaced",
                        parents=[common])
    rs.add_argument("batch_id", type=int)
    rs.add_argument("--user", default=None)
    args = p.parse_args()
    store = open_store(_cli.settings(args).database_url)
    if args.command == "list":
        batches = store.list_batches(args.layer)
        if batches.empty:
            print("chưa có lần nhập nào / no batches yet")
            return 0
        print(batches[["batch_id", "layer", "action", "source_name", "user", "recorded_at",
                       "features", "has_previous"]].to_string(index=False))
        return 0
    batch = store.restore_layer(args.batch_id, user=args.user or getpass.getuser())
    print(f"đã khôi phục / restored the version before batch {args.batch_id} as batch {batch}")
    return 0


def cli() -> None:
    """The ``landgis-versions`` command."""
    _cli.run(main)


if __name__ == "__main__":
    cli()
