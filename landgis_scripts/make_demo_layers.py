"""Build the demo GeoPackage of the Kon Tum zones (illustrative geometry, real names and figures).

    python scripts/make_demo_layers.py --out layers/kontum.gpkg
    python scripts/make_demo_layers.py --parcels 100000 --out bench-data/parcels-100k.gpkg

The progress of the projects, investors and auction lots (issue 13) is recorded into the new
file through the same checks as an editor's data, as user ``demo``.
The default build also writes the synthetic hillshade basemap beside the GeoPackage
(``hillshade.tif``; ``--no-raster`` skips it, ``--parcels`` builds never write it).
The same seed gives the same data. The file is written beside its target and moved into place
at the end, so an interrupted build leaves the previous file as it was.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

from landgis.demo import write_demo_store
from landgis.raster import make_demo_hillshade
from landgis.store.geopackage import GeoPackageStore
from landgis_scripts import _cli


def main() -> int:
    p = _cli.parser(__doc__.splitlines()[0])
    p.add_argument("--out", help="the GeoPackage to write (default: the --db store)")
    p.add_argument("--seed", type=int, default=2019, help="random seed (default 2019)")
    p.add_argument("--parcels", type=int, default=None, metavar="N",
                   help="build about N parcels (a synthetic set for benchmarks)")
    p.add_argument("--no-raster", action="store_true",
                   help="do not write the synthetic hillshade.tif beside the GeoPackage")
    args = p.parse_args()
    out = Path(args.out or _cli.settings(args).database_url)
    if out.suffix.lower() != ".gpkg":
        p.error(f"--out must name a .gpkg file, not {out}")
    started = time.perf_counter()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.building-{os.getpid()}.gpkg")
    tmp.unlink(missing_ok=True)
    try:
        store = GeoPackageStore(tmp, create=True)
        layers, counts = write_demo_store(store, seed=args.seed, n_parcels=args.parcels)
        os.replace(tmp, out)
        # the versions the build's own batches kept belong to the new file: its history goes
        # with it, and the replaced file's history (of a file that is gone) goes away
        history = Path(str(out) + ".history")
        shutil.rmtree(history, ignore_errors=True)
        if Path(str(tmp) + ".history").exists():
            os.replace(str(tmp) + ".history", history)
    finally:
        tmp.unlink(missing_ok=True)
        Path(str(tmp) + ".lock").unlink(missing_ok=True)
        shutil.rmtree(str(tmp) + ".history", ignore_errors=True)
    listed = ", ".join(f"{name} {n:,}" for name, n in counts.items())
    print(f"{out}: {listed} ({time.perf_counter() - started:.1f} s)")
    if args.parcels is None and not args.no_raster:
        started = time.perf_counter()
        tif = make_demo_hillshade(out.with_name("hillshade.tif"), layers["zones"], seed=args.seed)
        print(f"{tif}: synthetic hillshade ({time.perf_counter() - started:.1f} s)")
    return 0


def cli() -> None:
    """The ``landgis-demo`` command."""
    _cli.run(main)


if __name__ == "__main__":
    cli()
