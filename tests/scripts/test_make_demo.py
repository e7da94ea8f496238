"""``scripts/make_demo_layers.py`` builds the demo beside nothing else: no leftover of its
temporary file, and the versions its own batches kept travel with the new file."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from landgis.store import open_store

ROOT = Path(__file__).resolve().parents[2]


def build(out: Path) -> None:
    subprocess.run([sys.executable, str(ROOT / "scripts" / "make_demo_layers.py"), "--out",
                    str(out), "--no-raster"], check=True, capture_output=True, cwd=ROOT)


def test_the_build_leaves_no_temporary_history_and_its_batches_stay_readable(tmp_path):
    out = tmp_path / "demo.gpkg"
    build(out)
    build(out)  # again over the first: the replaced file's history goes with it
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []
    store = open_store(out)
    kept = store.list_batches()
    kept = kept[kept["has_previous"]]
    assert len(kept), "the demo records its progress in batches that keep a version"
    for batch_id in kept["batch_id"]:
        store.read_previous(int(batch_id))  # raises StoreError when the version is not kept
    assert {p.name for p in (tmp_path / "demo.gpkg.history").iterdir()} == {
        f"batch-{int(b)}.gpkg" for b in kept["batch_id"]}
