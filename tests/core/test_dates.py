"""The one date parser: day first, ISO, date values from files; refusals that say what is wanted."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from landgis.dates import (
    WANTED,
    DateError,
    check_effective_date,
    iso_date,
    iso_date_series,
    parse_date,
    today_vn,
)

FEB_1 = dt.date(2020, 2, 1)


@pytest.mark.parametrize("value", [
    "01/02/2020", "1/2/2020", "01-02-2020", "01.02.2020", " 01/02/2020 ", "2020-02-01",
    "2020-2-1", "０１/０２/２０２０",  # full-width digits, as some Vietnamese keyboards type them
    dt.date(2020, 2, 1), dt.datetime(2020, 2, 1), dt.datetime(2020, 2, 1, 16, 30),
    pd.Timestamp("2020-02-01"), np.datetime64("2020-02-01"),
    pd.Timestamp("2020-01-31T20:00:00Z"),  # 03:00 on 1 February in Viet Nam
])
def test_every_spelling_of_1_february_2020(value):
    assert parse_date(value) == FEB_1
    assert iso_date(value) == "2020-02-01"


@pytest.mark.parametrize("value, reason", [
    ("01/02/20", "two-digit year"),
    ("31/02/2019", "not a real date"),
    ("29/02/2019", "not a real date"),
    ("12/31/2019", "no month 31: the day comes first"),
    ("2020-02-01T00:00:00", "has a time"),
    ("01/02/2020 08:30", "has a time"),
    ("2020/02/01", "is not a date"),
    ("01/02-2020", "is not a date"),
    ("ngày 1 tháng 2 năm 2020", "is not a date"),
    ("Feb 1, 2020", "is not a date"),
    (43862, "is a number"),
    (43862.0, "is a number"),
])
def test_what_cannot_be_read_without_doubt_is_refused_with_the_formats_wanted(value, reason):
    with pytest.raises(DateError) as err:
        parse_date(value, "ngày hiệu lực / effective date")
    message = str(err.value)
    assert message.startswith("ngày hiệu lực / effective date: ")
    assert reason in message and WANTED in message and repr(value) in message


@pytest.mark.parametrize("value", [None, "", "  ", float("nan"), pd.NaT, np.datetime64("NaT")])
def test_an_empty_value_is_required_or_none(value):
    with pytest.raises(DateError, match="a date is required"):
        parse_date(value)
    assert iso_date(value, required=False) is None


def test_a_column_is_read_once_per_value_and_its_bad_rows_named():
    column = pd.Series(["01/02/2020", None, dt.date(2013, 6, 19), "31/02/2019",
                        pd.Timestamp("2019-12-31"), "31/02/2019"], name="decision_date")
    text, bad = iso_date_series(column, "decision_date")
    assert text.tolist() == ["2020-02-01", None, "2013-06-19", "31/02/2019", "2019-12-31",
                             "31/02/2019"]
    assert [i for i, _m in bad] == [3, 5] and "not a real date" in bad[0][1]


def test_effective_dates_are_bounded_by_today_and_the_floor():
    today = today_vn()
    assert check_effective_date(today) == today
    assert check_effective_date("01/01/2000") == dt.date(2000, 1, 1)
    with pytest.raises(DateError, match=r"9999-12-31|31/12/9999") as err:
        check_effective_date("9999-12-31")
    assert f"is after today ({today.isoformat()})" in str(err.value)
    tomorrow = today + dt.timedelta(days=1)
    with pytest.raises(DateError, match="is after today"):
        check_effective_date(tomorrow)
    with pytest.raises(DateError, match=r"before the earliest effective date accepted "
                                        r"\(2000-01-01\)"):
        check_effective_date("31/12/1999")
    with pytest.raises(DateError, match=r"accepted \(2015-03-01\)"):
        check_effective_date("28/02/2015", earliest="01/03/2015")
    # "today" is the day asked about, never one remembered from earlier
    assert check_effective_date("2021-06-01", today=dt.date(2021, 6, 1))
    with pytest.raises(DateError, match=r"is after today \(2021-05-31\)"):
        check_effective_date("2021-06-01", today=dt.date(2021, 5, 31))
