"""The ``report`` case of scripts/bench.py: a half-year review report with every file (charts,
park maps, Word, Excel, PDF, manifest) against computing the same tables alone.

On the bench's parcels store (scripts/make_demo_layers.py with --parcels, the demo's projects,
investors and auction lots): :func:`landgis.report.write.write_report` for ``2019-H1`` into a
fresh folder, best of ``repeat``, against :func:`landgis.report.figures.build_report` for the
same period, best of ``repeat``. The ratio is the report's overhead: the time of the whole
folder over the time of its figures.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from landgis.config import DEFAULT_BASEMAP_RASTER
from landgis.store import open_store
from bench_timing import best_of  # noqa: E402

PERIOD = "2019-H1"




def report(path: Path, repeat: int, runs: int):
    """A half-year report with all its files, against build_report alone (same store, same
    period); rows for both and the PDF conversion's share."""
    from landgis.report.figures import build_report
    from landgis.report.write import write_report

    store = open_store(path)
    basemap = str(DEFAULT_BASEMAP_RASTER) if DEFAULT_BASEMAP_RASTER.is_file() else None
    work = Path(tempfile.mkdtemp(prefix="landgis-bench-report-"))
    try:
        tables = best_of(repeat, lambda: build_report(store, PERIOD))
        n = iter(range(10_000))
        manifest = {}

        def whole():
            manifest.update(write_report(store, PERIOD, out_dir=work / f"r{next(n)}",
                                         basemap=basemap))

        files = best_of(repeat, whole)
        size = sum(f["bytes"] for f in manifest["files"]) / 2**20
        count = len(manifest["files"])
    finally:
        shutil.rmtree(work, ignore_errors=True)
        store.close()
    return [("report_all_files", files, "build_report (tables alone)", tables,
             f"best of {repeat}; {PERIOD}, {count} files, {size:.1f} MB incl. PDF", "s")]
