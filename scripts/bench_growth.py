#!/usr/bin/env python
"""How landgis grows with the data (issue 16, point 4): time and peak memory of the import,
the land-fund summary, the tile-pyramid build and the warm start at several sizes.

    python scripts/bench_growth.py --sizes 10000,100000,1000000
    python scripts/bench.py --case growth --sizes 10000,100000

Every step runs in a fresh child process (this script with ``--child``), on the benchmark data
of each size (built once into bench-data/ by scripts/make_demo_layers.py); the child times its
step alone (imports and process start left out) and prints it; its peak memory is the
child's maximum resident set size as the kernel counts it (``os.wait4``), so the figures of two
steps never mix. The steps:

- ``import``: the survey Shapefile of the data (scripts/bench_store.py ``survey_shapefile``)
  imported into a new GeoPackage holding the zones (read, map, validate, write a batch);
- ``summary``: ``load_land_fund`` of the store and its ``tables()`` (what the server answers),
  from a cold process;
- ``pyramid``: ``landgis.tiles.install_pyramid`` of the store into a new folder;
- ``warm``: ``DataViews.warm`` of the store, as the server warms with ``LANDGIS_WARM=1``; also
  the resident set after warming (what a warm server keeps).

The table has one row per step and size, and the growth factor of time and memory from the
previous size. The ``server_memory`` case of scripts/bench.py starts the real server
(waitress) and reads its resident set from ``/proc`` once its warm start is over.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STEPS = ("import", "summary", "pyramid", "warm")
SIZES = (10_000, 100_000, 1_000_000)


def proc_status(pid: int | str = "self") -> dict[str, int]:
    """``VmRSS`` and ``VmHWM`` (peak) of a process, in MB, from ``/proc/<pid>/status``."""
    out = {}
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(value.split()[0]) // 1024
    return out


# --------------------------------------------------------------------------- in the child

def run_step(step: str, data: Path, work: Path) -> dict:
    """One step on ``data`` (in this process); returns its seconds and resident set after."""
    from landgis.store import open_store

    if step == "import":
        import pyogrio
        from bench_store import survey_shapefile

        from landgis.ingest.importer import commit_import, prepare_import

        shp = survey_shapefile(data)
        zones = pyogrio.read_dataframe(data, layer="zones")
        target = work / "import.gpkg"
        pyogrio.write_dataframe(zones, target, layer="zones")
        store = open_store(target)
        started = time.perf_counter()
        commit_import(store, prepare_import(shp, "parcels", zones=zones), user="bench")
    elif step == "summary":
        from landgis.landfund import load_land_fund

        started = time.perf_counter()
        load_land_fund(open_store(str(data))).tables()
    elif step == "pyramid":
        from landgis.tiles import install_pyramid

        started = time.perf_counter()
        install_pyramid(open_store(str(data)), work / "tiles")
    elif step == "warm":
        from landgis.config import load_settings
        from landgis.dataview import DataViews

        views = DataViews.from_settings(load_settings())
        started = time.perf_counter()
        views.warm(open_store(str(data)))
    else:
        raise SystemExit(f"unknown step {step!r}: {', '.join(STEPS)}")
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "rss_mb": proc_status()["VmRSS"]}


# --------------------------------------------------------------------------- in the parent

def measure(step: str, data: Path) -> dict:
    """``step`` on ``data`` in a fresh child: its seconds, resident set after and peak (MB)."""
    work = Path(tempfile.mkdtemp(prefix="landgis-growth-"))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        filter(None, [str(ROOT), str(ROOT / "scripts"), os.environ.get("PYTHONPATH")]))}
    try:
        proc = subprocess.Popen([sys.executable, __file__, "--child", step, str(data),
                                 str(work)], stdout=subprocess.PIPE, env=env, cwd=ROOT)
        out = proc.stdout.read()
        proc.stdout.close()
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            raise SystemExit(f"growth: step {step} on {data.name} failed "
                             f"(exit {proc.returncode})")
        result = json.loads(out.decode().strip().splitlines()[-1])
        result["peak_mb"] = usage.ru_maxrss // 1024  # kilobytes on Linux
        return result
    finally:
        shutil.rmtree(work, ignore_errors=True)


def parcels_in(data: Path) -> int:
    import pyogrio

    return int(pyogrio.read_info(data, layer="parcels")["features"])


def growth_rows(sizes, steps=STEPS, folder: Path | None = None) -> list[dict]:
    """Every step at every size: ``step``, ``size`` asked, ``parcels``, ``seconds``,
    ``rss_mb``, ``peak_mb``, and the growth factors ``time_x`` and ``memory_x`` (peak) from
    the previous size (None for the first)."""
    from bench_store import bench_data

    data = {n: bench_data(n, folder) for n in sizes}
    rows = []
    for step in steps:
        previous = None
        for n in sizes:
            print(f"growth: {step} at {n:,} parcels …", flush=True)
            row = {"step": step, "size": n, "parcels": parcels_in(data[n]),
                   **measure(step, data[n])}
            row["time_x"] = row["seconds"] / previous["seconds"] if previous else None
            row["memory_x"] = row["peak_mb"] / previous["peak_mb"] if previous else None
            rows.append(row)
            previous = row
    return rows


HEADER = (f"{'step':<8} {'parcels':>10} {'time':>10} {'peak RSS':>10} {'RSS after':>10} "
          f"{'time ×':>7} {'memory ×':>8}")


def format_row(row: dict) -> str:
    def factor(value):
        return f"{value:.2f}" if value is not None else "—"

    return (f"{row['step']:<8} {row['parcels']:>10,} {row['seconds']:>9.3f}s "
            f"{row['peak_mb']:>7,} MB {row['rss_mb']:>7,} MB {factor(row['time_x']):>7} "
            f"{factor(row['memory_x']):>8}")


def print_table(rows: list[dict]) -> None:
    print("\ngrowth: each step in a fresh process; peak RSS = the process's maximum resident "
          "set; × = growth from the previous size")
    print(HEADER)
    for row in rows:
        print(format_row(row))


def growth(path, repeat: int, runs: int, sizes=SIZES):
    """The case of scripts/bench.py: the table above, and its rows for the bench's table
    (the reference column is the same step at the previous size, so the ratio is the growth
    factor)."""
    rows = growth_rows(sizes)
    print_table(rows)
    out = []
    for prev, row in zip([None] + rows[:-1], rows):
        same = prev is not None and prev["step"] == row["step"]
        ref = f"{row['step']} at {prev['parcels']:,}" if same else "—"
        name = f"{row['step']}_{row['parcels']:,}".replace(",", "_")
        out.append((name, row["seconds"], ref, prev["seconds"] if same else None,
                    "fresh process", "s"))
        out.append((name + "_mb", row["peak_mb"], ref, prev["peak_mb"] if same else None,
                    f"peak RSS; after {row['rss_mb']:,} MB", "MB RSS"))
    return out


#: seconds without CPU use after which the server's warm start is taken as over
IDLE_S = 5.0


def server_memory(path, repeat: int, runs: int):
    """The web server's memory after its warm start: waitress (as ``make run``) on the store
    with ``LANDGIS_WARM=1``, its resident set and peak read from ``/proc/<pid>/status`` once
    it has used no CPU for :data:`IDLE_S` (the warm-up is over; the tile pyramid is built by a
    child process of its own, not counted)."""
    import _browser
    from bench_store import store_for, store_kind

    instance = ROOT / "bench-data" / f"web-{path.stem}-{store_kind()}-memory"
    shutil.rmtree(instance, ignore_errors=True)
    basemap = ROOT / "bench-data" / "hillshade.tif"
    with _browser.Server(store_for(path), instance,
                         basemap=basemap if basemap.exists() else None) as srv:
        warm_s = srv.wait_idle(IDLE_S)
        memory = proc_status(srv.proc.pid)
    how = f"waitress, {store_kind()} store, warm start {warm_s:.0f} s"
    return [("server_rss_warm", memory["VmRSS"], "target < 2 GB", 2048, how, "MB RSS"),
            ("server_peak_warm", memory["VmHWM"], "target < 2 GB", 2048,
             "peak RSS of the server so far", "MB RSS")]


def parse_sizes(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(v.replace("_", "")) for v in text.split(",") if v.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"sizes are whole numbers separated by commas, "
                                         f"not {text!r}") from None
    if not sizes or min(sizes) <= 0:
        raise argparse.ArgumentTypeError(f"at least one positive size, not {text!r}")
    return sizes


def main() -> int:
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        print(json.dumps(run_step(sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4]))))
        return 0
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", type=parse_sizes, default=SIZES,
                   help="parcels of each data set, comma-separated (10000,100000,1000000)")
    p.add_argument("--steps", default=",".join(STEPS),
                   help=f"steps to measure, comma-separated ({','.join(STEPS)})")
    p.add_argument("--data-dir", type=Path, default=None,
                   help="where the data sets are built (bench-data/)")
    args = p.parse_args()
    steps = [s.strip() for s in args.steps.split(",") if s.strip()]
    unknown = [s for s in steps if s not in STEPS]
    if unknown:
        p.error(f"unknown step {unknown[0]!r}: {', '.join(STEPS)}")
    print_table(growth_rows(args.sizes, steps, args.data_dir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
