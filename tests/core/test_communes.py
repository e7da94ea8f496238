"""The commune table: the official units of the former Kon Tum province and their units now."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from landgis.communes import (
    NAME_KEPT,
    NOT_DETERMINED,
    SAME_CODE,
    build_commune_table,
    commune_table,
)


def test_the_table_lists_every_unit_of_the_former_province():
    table = commune_table()
    assert len(table) == 102 and table.index.is_unique
    assert table.index.str.fullmatch(r"23\d{3}").all()
    assert table["district"].nunique() == 10
    assert table.loc["23296", "commune_name"] == "Phường Ngô Mây"
    assert table.loc["23377", "commune_name"] == "Thị trấn Plei Kần"
    assert table.loc["23538", "district"] == "Huyện Ia H' Drai"


def test_every_current_unit_is_a_unit_of_quang_ngai_in_the_pinned_package():
    from vietnam_provinces import NESTED_DIVISIONS_JSON_PATH

    divisions = json.loads(NESTED_DIVISIONS_JSON_PATH.read_text(encoding="utf-8"))
    quang_ngai = next(p for p in divisions if p["code"] == 51)
    now = {str(w["code"]): w["name"] for w in quang_ngai["wards"]}
    table = commune_table()
    mapped = table.dropna(subset=["current_commune_code"])
    assert len(mapped) >= 40
    for code, row in mapped.iterrows():
        assert now[row["current_commune_code"]] == row["current_commune_name"], code
        assert row["current_valid_from"] == "2025-07-01"
    # every unit of Quảng Ngãi that carries a Kon Tum code is someone's current unit
    kon_tum_codes = {c for c in now if c in table.index}
    assert kon_tum_codes <= set(mapped["current_commune_code"])
    empty = table[table["current_commune_code"].isna()]
    assert (empty["mapping_basis"] == NOT_DETERMINED).all()


def _write(path, province, districts):
    path.write_text(json.dumps([province | {"districts": districts}]), encoding="utf-8")
    return path


def test_build_decides_the_mapping_by_code_then_by_name_within_the_district(tmp_path):
    old = _write(tmp_path / "old.json", {"code": 62, "name": "Tỉnh Kon Tum"}, [
        {"code": 608, "name": "Thành phố Kon Tum", "wards": [
            {"code": 23284, "name": "Phường Duy Tân"},
            {"code": 23311, "name": "Xã Đắk Cấm"},
            {"code": 23296, "name": "Phường Ngô Mây"}]},
        {"code": 615, "name": "Huyện Đắk Hà", "wards": [
            {"code": 23504, "name": "Xã Đăk Long"}]},
        {"code": 610, "name": "Huyện Đắk Glei", "wards": [
            {"code": 23368, "name": "Xã Đắk Long"}]},
    ])
    new = tmp_path / "new.json"
    new.write_text(json.dumps([{"code": 51, "name": "Quảng Ngãi", "wards": [
        {"code": 23284, "name": "Phường Đăk Cấm"},
        {"code": 23368, "name": "Xã Đăk Long"}]}]), encoding="utf-8")
    table = build_commune_table(old, new).set_index("commune_code")
    assert table.loc["23284", ["current_commune_code", "mapping_basis"]].tolist() \
        == ["23284", SAME_CODE]
    assert table.loc["23311", ["current_commune_name", "mapping_basis"]].tolist() \
        == ["Phường Đăk Cấm", NAME_KEPT]
    # the same name in another district is not the same unit
    assert pd.isna(table.loc["23504", "current_commune_code"])
    assert table.loc["23504", "mapping_basis"] == NOT_DETERMINED
    assert pd.isna(table.loc["23296", "current_commune_code"])

    curated = table.reset_index()
    curated.loc[curated.commune_code == "23296", ["current_commune_code", "mapping_basis"]] = \
        ["23284", "assumed by geography"]
    again = build_commune_table(old, new, curated=curated).set_index("commune_code")
    assert again.loc["23296", ["current_commune_name", "mapping_basis",
                               "current_valid_from"]].tolist() \
        == ["Phường Đăk Cấm", "assumed by geography", "2025-07-01"]
    curated.loc[curated.commune_code == "23296", "current_commune_code"] = "99999"
    with pytest.raises(ValueError, match="23296"):
        build_commune_table(old, new, curated=curated)
