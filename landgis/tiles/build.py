"""The child process that builds a tile pyramid: ``python -m landgis.tiles.build``.

It reads one JSON job on its standard input, ``{"url", "tiles_dir", "max_zoom", "cwd"}`` (the
store URL goes there, never on the command line, which every user of the machine can see),
works in ``cwd`` (the parent's folder: relative paths mean the same to both), lowers its own
priority, installs the pyramid of the store's current data version
(:func:`~landgis.tiles.pyramid.install_pyramid`: updated from the newest one installed when the
store says what changed since, else built whole) and prints where. Exit codes: 0 built (or
already there), :data:`~landgis.tiles.service.EXIT_BUSY` another process is building it,
:data:`~landgis.tiles.service.EXIT_CHANGED` the data changed meanwhile, anything else failed
(the reason on standard error).
"""

from __future__ import annotations

import json
import os
import sys

from landgis.tiles.pyramid import PyramidBusy, install_pyramid
from landgis.tiles.service import EXIT_BUSY, EXIT_CHANGED
from landgis.tiles.versions import DataChanged


def run(job: str) -> int:
    """Build the pyramid a JSON job names; returns the exit code."""
    from landgis.store import open_store

    try:
        os.nice(10)  # the web server keeps the upper hand on the CPU
    except OSError:
        pass
    job = json.loads(job)
    if job.get("cwd"):
        os.chdir(job["cwd"])
    tiles_dir, max_zoom = job["tiles_dir"], int(job["max_zoom"])
    store = open_store(job["url"])
    try:
        path = install_pyramid(store, tiles_dir, max_zoom=max_zoom)
    except PyramidBusy as exc:
        print(exc, file=sys.stderr)
        return EXIT_BUSY
    except DataChanged as exc:
        print(exc, file=sys.stderr)
        return EXIT_CHANGED
    finally:
        store.close()
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(run(sys.stdin.read()))
