"""Amounts as the Board's sheets write them, read into whole đồng (landgis.money)."""

import numpy as np
import pandas as pd
import pytest

from landgis.money import AmountError, format_billion, format_vnd, parse_vnd


@pytest.mark.parametrize("text, expected", [
    ("1.234.567.890", 1_234_567_890),
    ("1.234.567.890 đ", 1_234_567_890),
    ("850.000.000 VNĐ", 850_000_000),
    ("1 234 567 890 đồng", 1_234_567_890),
    ("1,234,567,890", 1_234_567_890),
    ("1.234.567.890,00", 1_234_567_890),  # a spreadsheet's zero cents
    ("1.234", 1_234),  # a dot followed by three digits groups thousands
    ("1,234", 1_234),  # never 1.234 đồng: there is no fraction of a đồng
    ("0", 0),
    ("1,2 tỷ", 1_200_000_000),
    ("1.2 tỷ", 1_200_000_000),
    ("850 triệu", 850_000_000),
    ("5tr", 5_000_000),
    ("12.5 nghìn", 12_500),
    ("1.500 tỷ", 1_500_000_000_000),  # Vietnamese: one thousand five hundred tỷ
    ("1,500 tỷ", 1_500_000_000),  # Vietnamese: one and a half tỷ (the decimal comma)
    ("1.234,5 triệu", 1_234_500_000),
    ("5 TỶ ĐỒNG", 5_000_000_000),
    ("2 tỷ 500 triệu", 2_500_000_000),
    ("1 tỷ 250 triệu 500 nghìn", 1_250_500_000),
])
def test_amounts_written_by_people_are_read_as_whole_dong(text, expected):
    assert parse_vnd(text) == expected


@pytest.mark.parametrize("value, expected", [
    (1_234_567_890, 1_234_567_890), (1_234_567_890.0, 1_234_567_890),
    (np.int64(7), 7), (np.float64(8.0), 8), (None, None), (float("nan"), None),
    (pd.NA, None), ("", None), ("  ", None),
])
def test_cell_values_and_empty_cells(value, expected):
    assert parse_vnd(value) == expected


@pytest.mark.parametrize("text, why", [
    ("abc", "'abc' không phải số tiền / 'abc' is not an amount of money"),
    ("1,5", "not a whole number of đồng"),
    ("1234,5", "not a whole number of đồng"),
    ("1.234.567.890,50", "not a whole number of đồng"),
    (0.5, "not a whole number of đồng"),
    ("-5", "'-5' là số âm / '-5' is negative"),
    ("(5)", "is negative"),
    ("1 triệu 500", "is not an amount"),  # 1 500 000 or 1 000 500?
    ("500 triệu 2 tỷ", "is not an amount"),
    ("tỷ", "is not an amount"),
    ("5 tiền", "is not an amount"),
    ("1.23.4", "is not an amount"),
    (True, "is not an amount"),
])
def test_what_is_not_whole_dong_is_refused_saying_what_was_read(text, why):
    with pytest.raises(AmountError) as err:
        parse_vnd(text, "amount_vnd")
    assert why in str(err.value)
    assert str(err.value).startswith("amount_vnd: ")
    if isinstance(text, str):
        assert repr(text) in str(err.value)


def test_amounts_are_written_for_people():
    assert format_vnd(1_200_000_000) == "1.200.000.000"
    assert format_vnd(None) == "" and format_vnd(float("nan")) == "" and format_vnd(pd.NA) == ""
    assert format_billion(1_234_567_890) == "1,23 tỷ"
    assert format_billion(1_234_567_890_000) == "1.234,57 tỷ"
