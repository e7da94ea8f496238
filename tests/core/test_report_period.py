"""Reporting periods: every form the Board writes, the period before, and what is refused."""

from __future__ import annotations

import datetime as dt

import pytest

from landgis.params import BadRequest
from landgis.report.period import PeriodError, parse_period, period_to, previous_period

TODAY = dt.date(2026, 11, 29)
D = dt.date


@pytest.mark.parametrize("text, key, start, end, vi, en", [
    ("2019-H1", "2019-H1", D(2019, 1, 1), D(2019, 6, 30), "6 tháng đầu năm 2019",
     "first half of 2019"),
    ("2019-h2", "2019-H2", D(2019, 7, 1), D(2019, 12, 31), "6 tháng cuối năm 2019",
     "second half of 2019"),
    ("2019-Q1", "2019-Q1", D(2019, 1, 1), D(2019, 3, 31), "quý I năm 2019",
     "first quarter of 2019"),
    ("2019-Q3", "2019-Q3", D(2019, 7, 1), D(2019, 9, 30), "quý III năm 2019",
     "third quarter of 2019"),
    ("2019-Q4", "2019-Q4", D(2019, 10, 1), D(2019, 12, 31), "quý IV năm 2019",
     "fourth quarter of 2019"),
    ("2019", "2019", D(2019, 1, 1), D(2019, 12, 31), "năm 2019", "the year 2019"),
    ("6 tháng đầu năm 2019", "2019-H1", D(2019, 1, 1), D(2019, 6, 30), None, None),
    ("6 thang cuoi nam 2019", "2019-H2", D(2019, 7, 1), D(2019, 12, 31), None, None),
    ("first half of 2019", "2019-H1", D(2019, 1, 1), D(2019, 6, 30), None, None),
    ("quý III năm 2019", "2019-Q3", D(2019, 7, 1), D(2019, 9, 30), None, None),
    ("Quý 2/2019", None, None, None, None, None),  # not a form: refused below
    ("năm 2019", "2019", D(2019, 1, 1), D(2019, 12, 31), None, None),
    ("the year 2019", "2019", D(2019, 1, 1), D(2019, 12, 31), None, None),
    # a range that is exactly a quarter is that quarter, day first or ISO
    ("từ 01/01/2019 đến 31/03/2019", "2019-Q1", D(2019, 1, 1), D(2019, 3, 31), None, None),
    ("01/01/2019:31/03/2019", "2019-Q1", D(2019, 1, 1), D(2019, 3, 31), None, None),
    ("2019-01-01:2019-06-30", "2019-H1", D(2019, 1, 1), D(2019, 6, 30), None, None),
    ("05/02/2019:20/04/2019", "2019-02-05:2019-04-20", D(2019, 2, 5), D(2019, 4, 20),
     "từ 05/02/2019 đến 20/04/2019", "from 05/02/2019 to 20/04/2019"),
    ("from 05/02/2019 to 20/04/2019", "2019-02-05:2019-04-20", D(2019, 2, 5), D(2019, 4, 20),
     None, None),
])
def test_every_form(text, key, start, end, vi, en):
    if key is None:
        with pytest.raises(PeriodError):
            parse_period(text, today=TODAY)
        return
    p = parse_period(text, today=TODAY)
    assert (p.key, p.start, p.end) == (key, start, end)
    if vi:
        assert (p.label("vi"), p.label("en")) == (vi, en)
    # what the report writes is read back as the same period
    assert parse_period(p.label_vi, today=TODAY) == p
    assert parse_period(p.label_en, today=TODAY) == p
    assert parse_period(p.key, today=TODAY) == p


@pytest.mark.parametrize("text, key, vi", [
    ("2019-H1", "2018-H2", "6 tháng cuối năm 2018"),
    ("2019-H2", "2019-H1", "6 tháng đầu năm 2019"),
    ("2019-Q1", "2018-Q4", "quý IV năm 2018"),
    ("2019-Q3", "2019-Q2", "quý II năm 2019"),
    ("2019", "2018", "năm 2018"),
    ("01/11/2018:28/02/2019", "2018-07-01:2018-10-31", "từ 01/07/2018 đến 31/10/2018"),
    ("05/02/2019:20/04/2019", "2018-11-22:2019-02-04", "từ 22/11/2018 đến 04/02/2019"),
])
def test_previous_period_of_the_same_length(text, key, vi):
    p = parse_period(text, today=TODAY)
    q = previous_period(p)
    assert (q.key, q.label_vi) == (key, vi)
    assert q.end == p.start - dt.timedelta(days=1)
    if ":" in text and text.startswith("05"):
        assert (q.end - q.start) == (p.end - p.start)


def test_period_to_a_date_is_the_half_year_cut_there():
    p = period_to("15/04/2019", today=TODAY)
    assert (p.start, p.end) == (D(2019, 1, 1), D(2019, 4, 15))
    q = previous_period(p)  # the previous half-year to the same day
    assert (q.start, q.end) == (D(2018, 7, 1), D(2018, 10, 15))
    assert period_to("2019-12-31", today=TODAY).key == "2019-H2"
    assert period_to("2019-08-31", today=TODAY).start == D(2019, 7, 1)
    assert previous_period(period_to("2019-08-31", today=TODAY)).end == D(2019, 2, 28)


@pytest.mark.parametrize("text, words", [
    ("2019-H3", ["kỳ báo cáo không rõ / unknown period", "2019-H1"]),
    ("2019-Q5", ["unknown period"]),
    ("H1", ["unknown period"]),
    ("", ["cần kỳ báo cáo / a period is required"]),
    ("31/03/2019:01/01/2019", ["trước ngày đầu", "ends before it starts"]),
    ("01/01/2019:31/02/2019", ["không có trong lịch", "not a real date"]),
    ("12/31/2019:12/31/2019", ["day comes first"]),
    ("2026-H2", ["sau hôm nay", "ends after today", "31/12/2026"]),
    ("01/11/2026:30/11/2026", ["ends after today"]),
    ("2027", ["ends after today"]),
])
def test_refused_with_a_clear_message(text, words):
    with pytest.raises(PeriodError) as err:
        parse_period(text, today=TODAY)
    assert isinstance(err.value, BadRequest)  # the web answers 400
    message = str(err.value)
    assert message.index(" / ") < len(message)  # Vietnamese first, then English
    for word in words:
        assert word in message


def test_a_period_ending_today_is_accepted_and_tomorrow_refused():
    assert parse_period("01/11/2026:29/11/2026", today=TODAY).end == TODAY
    with pytest.raises(PeriodError):
        period_to("30/11/2026", today=TODAY)
    assert parse_period("2019-H1").end == D(2019, 6, 30)  # today in Viet Nam by default
