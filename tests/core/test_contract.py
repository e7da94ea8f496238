import geopandas as gpd
import pytest
import shapely

from landgis import contract
from landgis.contract import CLEARANCE_STATUS, ContractError, check_layer, validate_layer


def test_valid_layer_has_no_problems(parcels_gdf):
    assert check_layer(parcels_gdf, "parcels") == []


def test_every_problem_is_reported_at_once(parcels_gdf):
    bad = parcels_gdf.drop(columns=["owner_kind"])
    bad.loc[1, "land_use_code"] = "XYZ"
    bad.loc[2, "parcel_id"] = bad.loc[0, "parcel_id"]
    bowtie = shapely.Polygon([(0, 0), (10, 10), (10, 0), (0, 10)])
    bad.loc[3, "geometry"] = shapely.affinity.translate(bowtie, 552_000, 1_590_000)
    messages = [str(p) for p in check_layer(bad, "parcels")]
    assert any("owner_kind" in m and "missing" in m for m in messages)
    assert any("'XYZ'" in m and "land_use_code" in m for m in messages)
    assert any("duplicate key" in m and "23296-1-1" in m for m in messages)
    assert any("invalid geometry" in m and "Self-intersection" in m for m in messages)
    assert len(messages) == 4


def test_wrong_crs_and_wrong_geometry_type(parcels_gdf):
    wgs = parcels_gdf.to_crs(4326)
    assert any("expected EPSG:9216" in str(p) for p in check_layer(wgs, "parcels"))
    lines = parcels_gdf.copy()
    lines["geometry"] = lines.geometry.boundary
    assert any("LineString" in str(p) for p in check_layer(lines, "parcels"))


def test_empty_required_values_are_named(parcels_gdf):
    bad = parcels_gdf.copy()
    bad.loc[2, "commune_name"] = "  "
    problems = check_layer(bad, "parcels")
    assert [p.column for p in problems] == ["commune_name"]
    assert "'23296-1-3'" in problems[0].message


def test_a_legal_area_may_be_empty_but_the_column_is_needed(parcels_gdf):
    unknown = parcels_gdf.copy()
    unknown.loc[2, "legal_area_m2"] = float("nan")
    assert check_layer(unknown, "parcels") == []
    problems = check_layer(parcels_gdf.drop(columns="legal_area_m2"), "parcels")
    assert [(p.column, p.message) for p in problems] \
        == [("legal_area_m2", "required column is missing")]


def test_not_stated_is_a_land_use_and_an_owner_kind_but_not_a_national_code():
    for vocab in (contract.LAND_USE, contract.OWNER_KIND):
        assert vocab.label(contract.NOT_STATED) == "chưa xác định"
        assert vocab.label(contract.NOT_STATED, "en") == "not stated"
        assert vocab.lookup("Chưa xác định") == vocab.lookup("NOT STATED") == "not_stated"
    national = [c for c in contract.LAND_USE.codes if c != contract.NOT_STATED]
    assert all(c.isupper() and len(c) == 3 for c in national)
    assert not contract.NOT_STATED.isupper()


def test_validate_raises_with_all_problems(parcels_gdf):
    with pytest.raises(ContractError) as info:
        validate_layer(parcels_gdf.drop(columns=["sheet_no", "parcel_no"]), "parcels")
    assert len(info.value.problems) == 2
    assert "sheet_no" in str(info.value) and "parcel_no" in str(info.value)


def test_unknown_layer_names_the_known_ones():
    with pytest.raises(ValueError, match="parcels"):
        contract.get_layer("parcel")


def test_vocabularies_have_both_languages_and_lookup_by_label():
    for vocab in contract.VOCABULARIES.values():
        for code, (vi, en) in vocab.labels.items():
            assert vi and en, (vocab.name, code)
    assert CLEARANCE_STATUS.lookup("Đã bàn giao mặt bằng") == "handed_over"
    assert CLEARANCE_STATUS.lookup("site handed over") == "handed_over"
    assert CLEARANCE_STATUS.lookup(" compensated ") == "compensated"
    assert CLEARANCE_STATUS.lookup("sold") is None
    assert contract.LAND_USE.label("SKK") == "đất khu công nghiệp"
    assert contract.AUCTION_STATUS.label("sold", "en") == "sold"


def test_status_events_layer_checks_without_crs(events_df):
    assert check_layer(events_df, "status_events", crs_epsg=None) == []
    assert not contract.STATUS_EVENTS.is_spatial
