import numpy as np
import shapely

from landgis.validation import clean_coverage_union, holes, overlapping_pairs, validate
from tests.conftest import square


def grid():
    return np.array([square(x, y) for x in (0, 100, 200) for y in (0, 100, 200)], dtype=object)


def test_clean_grid_is_recognised_and_dissolved():
    union = clean_coverage_union(grid())
    assert union is not None and union.area == 90_000
    assert holes(union) == []


def test_overlaps_duplicates_and_unmatched_edges_are_not_clean():
    overlapping = grid()
    overlapping[4] = square(90, 90, 120)
    assert clean_coverage_union(overlapping) is None
    duplicated = np.append(grid(), square(0, 0))
    assert clean_coverage_union(duplicated) is None
    a, b, area, _ = overlapping_pairs(overlapping)
    assert len(a) == 8 and np.isclose(area.sum(), 120 * 120 - 100 * 100)


def test_a_missing_parcel_is_a_gap_even_in_a_clean_coverage(parcels_gdf):
    centre_missing = np.delete(grid(), 4)
    union = clean_coverage_union(centre_missing)
    assert union is not None
    [hole] = holes(union)
    assert hole.area == 10_000


def test_report_of_a_clean_survey_has_no_topology_findings(parcels_gdf):
    report = validate(parcels_gdf, "parcels")
    assert report.ok and report.counts() == {}
    moved = parcels_gdf.copy()
    moved.loc[0, "geometry"] = shapely.affinity.translate(moved.geometry[0], 3, 0)
    report = validate(moved, "parcels")
    assert report.counts() == {"overlap": 1}
    assert "23296-1-1" in (report.findings[0].feature, report.findings[0].message)


def test_a_problem_of_several_parcels_is_placed_at_the_first_of_them(parcels_gdf):
    """So that the web report can show it on the map (a click goes there)."""
    bad = parcels_gdf.copy()
    bad.loc[[1, 3], "land_use_code"] = "XYZ"
    bad.loc[2, "parcel_id"] = bad.loc[0, "parcel_id"]
    found = {f.message.split(":")[0]: f for f in validate(bad, "parcels").errors}
    code, dup = found["land_use_code"], found["parcel_id"]
    assert code.feature == "23296-1-2" and bad.geometry[1].contains(shapely.Point(code.x, code.y))
    assert dup.feature == "23296-1-1" and bad.geometry[0].contains(shapely.Point(dup.x, dup.y))
