"""What the dossier tests check on the files, shared by the core, script and web tests."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
from shapely.geometry import shape

from landgis import crs as crsmod
from tests.conftest import event, need


def hand_over(store, parcel_ids, *, prefix="h"):
    """Record a hand-over event for each parcel (the fixture's parcels are not handed over)."""
    store.append_events(pd.DataFrame([
        event(pid, "clearance_status", "handed_over", "2020-03-01", f"{prefix}{i}")
        for i, pid in enumerate(parcel_ids)]))


def sell(store, parcel_id):
    store.append_events(pd.DataFrame([
        event(parcel_id, "auction_status", "sold", "2021-05-05", "sold-1")]))


def check_rfc7946(path) -> dict:
    """Every RFC 7946 rule we promise, on every feature; returns the parsed document."""
    text = Path(path).read_text(encoding="utf-8")
    doc = json.loads(text)
    assert doc["type"] == "FeatureCollection"
    assert "crs" not in doc
    w, s, e, n = doc["bbox"]
    assert 102 < w <= e < 110 and 8 < s <= n < 24, doc["bbox"]
    assert doc["features"], "no features"
    for f in doc["features"]:
        assert f["type"] == "Feature" and "crs" not in f
        geom = shape(f["geometry"])
        assert geom.geom_type in ("Polygon", "MultiPolygon")
        for poly in shapely.get_parts(geom):
            assert shapely.is_ccw(poly.exterior), f"{f['id']}: exterior ring clockwise"
            for hole in poly.interiors:
                assert not shapely.is_ccw(hole), f"{f['id']}: hole counter-clockwise"
        xy = shapely.get_coordinates(geom)
        for value in xy.ravel():
            decimals = repr(float(value)).split(".")[1] if "." in repr(float(value)) else ""
            assert len(decimals) <= 7, f"{f['id']}: {value!r} has more than 7 decimals"
        assert np.allclose(f["bbox"], geom.bounds, atol=1e-9), (f["bbox"], geom.bounds)
        fb = f["bbox"]
        assert w <= fb[0] and s <= fb[1] and fb[2] <= e and fb[3] <= n
    return doc


def geojson_on_plane(doc) -> dict:
    """parcel_id -> the feature's geometry brought back onto EPSG:9216 (pinned shift)."""
    ids = [f["properties"]["parcel_id"] for f in doc["features"]]
    geoms = np.array([shape(f["geometry"]) for f in doc["features"]], dtype=object)
    back = crsmod.transform_geometries(geoms, crsmod.WGS84, crsmod.STORAGE_CRS)
    return dict(zip(ids, back))


def read_table(path) -> list[dict]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def check_coordinate_table(rows: list[dict], stored: dict) -> None:
    """The coordinate table against the stored geometries (parcel_id -> shapely, EPSG:9216)."""
    by_parcel: dict[str, list[dict]] = {}
    for r in rows:
        by_parcel.setdefault(r["parcel_id"], []).append(r)
    assert set(by_parcel) == set(stored)
    for pid, prow in by_parcel.items():
        geom = stored[pid]
        assert [int(r["point"]) for r in prow] == list(range(1, len(prow) + 1)), pid
        rings: dict[tuple, list[dict]] = {}
        for r in prow:
            rings.setdefault((int(r["part"]), int(r["ring"])), []).append(r)
        polygons = []
        for (part, ring_no), ring in sorted(rings.items()):
            # X is northing, Y easting: the GIS point is (Y, X)
            xy = np.array([(float(r["y_easting_m"]), float(r["x_northing_m"])) for r in ring])
            assert (ring[0]["ring_kind"] == "outer") == (ring_no == 1)
            lr = shapely.LinearRing(xy)
            assert not shapely.is_ccw(lr), f"{pid} ring {part}.{ring_no} is not clockwise"
            # numbering starts at the vertex nearest the ring's north-west corner
            d = np.hypot(xy[:, 0] - xy[:, 0].min(), xy[:, 1] - xy[:, 1].max())
            assert d[0] <= d.min() + 1e-9, f"{pid}: point {ring[0]['point']} is not the NW one"
            # lengths: from each point to the next, closing the ring
            nxt = np.roll(xy, -1, axis=0)
            assert np.allclose([float(r["edge_length_m"]) for r in ring],
                               np.hypot(*(nxt - xy).T), atol=0.0011)
            assert [int(r["next_point"]) for r in ring] == \
                [int(r["point"]) for r in ring[1:]] + [int(ring[0]["point"])]
            polygons.append((part, ring_no, xy))
        parts = []
        for part in sorted({p for p, _, _ in polygons}):
            shell = [xy for p, r, xy in polygons if p == part and r == 1][0]
            holes = [xy for p, r, xy in polygons if p == part and r > 1]
            parts.append(shapely.Polygon(shell, holes))
        rebuilt = shapely.MultiPolygon(parts) if len(parts) > 1 else parts[0]
        area = float(prow[0]["plane_area_m2"])
        assert abs(rebuilt.area - area) <= 0.01, (pid, rebuilt.area, area)
        assert abs(rebuilt.area - geom.area) <= 0.01
        assert shapely.symmetric_difference(rebuilt, geom).area < 0.01, pid
        # every stored vertex is in the table, northing as X
        stored_xy = np.round(shapely.get_coordinates(geom), 3)
        table_xy = {(float(r["x_northing_m"]), float(r["y_easting_m"])) for r in prow}
        assert {(y, x) for x, y in stored_xy} == table_xy, pid


def render_first_page(pdf: Path, tmp: Path) -> np.ndarray:
    """Page 1 of a PDF as a grey image (numpy array), through poppler's pdftoppm."""
    need(shutil.which("pdftoppm") is not None,
         "pdftoppm is missing (Debian poppler-utils; `make test` installs it)")
    prefix = tmp / "page"
    subprocess.run(["pdftoppm", "-f", "1", "-l", "1", "-r", "60", "-gray", str(pdf),
                    str(prefix)], check=True, capture_output=True, timeout=120)
    (image,) = sorted(tmp.glob("page*.pgm"))
    return read_pgm(image)


def read_pgm(path: Path) -> np.ndarray:
    data = path.read_bytes()
    fields, pos = [], 0
    while len(fields) < 4:  # magic, width, height, maxval (comments skipped)
        while data[pos:pos + 1].isspace():
            pos += 1
        if data[pos:pos + 1] == b"#":
            pos = data.index(b"\n", pos) + 1
            continue
        end = pos
        while not data[end:end + 1].isspace():
            end += 1
        fields.append(data[pos:end])
        pos = end
    assert fields[0] == b"P5", fields[0]
    width, height, maxval = int(fields[1]), int(fields[2]), int(fields[3])
    pixels = np.frombuffer(data[pos + 1:pos + 1 + width * height], dtype=np.uint8)
    assert maxval == 255
    return pixels.reshape(height, width)


def pdf_text(pdf: Path) -> str:
    need(shutil.which("pdftotext") is not None,
         "pdftotext is missing (Debian poppler-utils; `make test` installs it)")
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True,
                          capture_output=True, text=True, timeout=120).stdout
