"""The growth table of the bench (issue 16): every step at every size, each measured in a
process of its own, with the growth factor from the previous size."""

from __future__ import annotations

import re

import pyogrio

from tests.scripts.conftest import run_script

ROW = re.compile(r"^(?P<step>\w+)\s+(?P<parcels>[\d,]+)\s+(?P<seconds>[\d.]+)s\s+"
                 r"(?P<peak>[\d,]+) MB\s+(?P<rss>[\d,]+) MB\s+(?P<tx>[\d.]+|—)\s+(?P<mx>[\d.]+|—)$")


def _rows(stdout: str) -> list[dict]:
    return [m.groupdict() for line in stdout.splitlines() if (m := ROW.match(line.strip()))]


def test_growth_prints_time_and_memory_of_each_step_at_each_size(tmp_path):
    r = run_script("bench_growth.py", "--sizes", "7000,8000", "--steps", "import,summary,warm",
                   "--data-dir", tmp_path, timeout=600)
    assert r.returncode == 0, r.stderr
    rows = _rows(r.stdout)
    assert [(row["step"]) for row in rows] == ["import", "import", "summary", "summary",
                                               "warm", "warm"]
    counts = [pyogrio.read_info(tmp_path / f"parcels-{n}.gpkg", layer="parcels")["features"]
              for n in (7000, 8000)]
    assert counts[0] < counts[1]
    for row, n in zip(rows, counts * 3):
        assert int(row["parcels"].replace(",", "")) == n
        assert float(row["seconds"]) > 0
        peak, after = (int(row[k].replace(",", "")) for k in ("peak", "rss"))
        assert 0 < after <= peak
    firsts, seconds = rows[0::2], rows[1::2]
    assert all(row["tx"] == "—" and row["mx"] == "—" for row in firsts)
    for first, second in zip(firsts, seconds):  # the factor is the ratio of the two sizes
        ratio = float(second["seconds"]) / float(first["seconds"])
        assert abs(float(second["tx"]) - ratio) <= 0.01 + 0.05 * ratio
    assert (tmp_path / "parcels-7000-survey.shp").exists()  # the import read a Shapefile


def test_bad_sizes_or_steps_exit_2_naming_them(tmp_path):
    r = run_script("bench_growth.py", "--sizes", "10k", "--data-dir", tmp_path)
    assert r.returncode == 2 and "'10k'" in r.stderr
    r = run_script("bench_growth.py", "--steps", "import,tiles", "--data-dir", tmp_path)
    assert r.returncode == 2 and "'tiles'" in r.stderr
    assert not list(tmp_path.iterdir())  # nothing built
