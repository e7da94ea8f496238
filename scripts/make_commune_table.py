#!/usr/bin/env python
"""Make layers/sources/communes.csv: the communes of the former Kon Tum province and their units now.

    pip download --no-deps vietnam-provinces==0.6.0 -d /tmp/vp
    python scripts/make_commune_table.py --old /tmp/vp/vietnam_provinces-0.6.0-py3-none-any.whl

The units before 1 July 2025 (codes, names, districts) come from ``vietnam-provinces`` 0.6.0
(the General Statistics Office list of 2025-01-04), given with ``--old`` as its wheel, an
unpacked folder or its ``nested-divisions.json``; the units after the merger from the pinned,
installed ``vietnam-provinces`` (2025.10.1). Rows of the existing table decided by hand (a
``mapping_basis`` other than "same code kept", "name kept" or "not determined …") are kept.
See :mod:`landgis.communes` for the rules.
"""

from __future__ import annotations

from pathlib import Path

from landgis_scripts import _cli
from landgis.communes import COMMUNES_CSV, build_commune_table, commune_table


def main() -> int:
    p = _cli.parser(__doc__.splitlines()[0])
    p.add_argument("--old", required=True,
                   help="vietnam-provinces 0.6.0: its .whl, folder or nested-divisions.json")
    p.add_argument("--out", default=str(COMMUNES_CSV), help="the CSV to write")
    args = p.parse_args()
    out = Path(args.out)
    curated = commune_table(out) if out.is_file() else None
    table = build_commune_table(args.old, curated=curated)
    table.to_csv(out, index=False, encoding="utf-8", lineterminator="\n")
    counts = table["mapping_basis"].value_counts()
    print(f"{out}: {len(table)} units; " + "; ".join(f"{k}: {n}" for k, n in counts.items()))
    return 0


if __name__ == "__main__":
    _cli.run(main)
