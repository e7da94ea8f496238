"""Reporting periods as the Board names them, read one way everywhere (script, page, API).

:func:`parse_period` reads

- ``2019-H1`` / ``2019-H2`` (6 tháng đầu / cuối năm), ``2019-Q1`` … ``2019-Q4`` (quý I … IV),
  ``2019`` (năm 2019);
- ``FROM:TO``, two dates as :mod:`landgis.dates` reads them (day first ``01/01/2019`` or ISO
  ``2019-01-01``), both ends included;
- the labels the report writes, Vietnamese or English, with or without diacritics:
  ``6 tháng đầu năm 2019``, ``first half of 2019``, ``quý III năm 2019``, ``Q3 2019``,
  ``năm 2019``, ``từ 01/01/2019 đến 31/03/2019``, ``from 01/01/2019 to 31/03/2019``.

A range that is exactly a half, a quarter or a year is that period (same key and label).
Refused (:class:`PeriodError`, a :class:`~landgis.params.BadRequest`), Vietnamese first: an
unknown form, an end before the start, a period that ends after today in Viet Nam (its figures
are not known yet).

:func:`previous_period` is the period of the same length just before: the half, quarter or
year before; for a range from the start of a half-year to a day inside it (:func:`period_to`,
the page's date), the previous half-year to the same day (a month's last day to the month's
last day); for another range of whole months, as many months before; otherwise as many days
before.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

from landgis.dates import DateError, parse_date, today_vn
from landgis.params import BadRequest
from landgis.report.model import Period
from landgis.text import strip_marks

ROMAN = ("I", "II", "III", "IV")
WANTED = ("2019-H1, 2019-H2, 2019-Q1…2019-Q4, 2019, TỪ:ĐẾN / FROM:TO "
          "(01/01/2019:30/06/2019), \"6 tháng đầu năm 2019\", \"quý III năm 2019\"")
_QUARTER_EN = ("first", "second", "third", "fourth")


class PeriodError(BadRequest):
    """A period that cannot be reported on; the message says why and what is wanted."""


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _shift_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved by whole months, kept or clamped to the month's last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def half(year: int, n: int) -> Period:
    start = dt.date(year, 1 if n == 1 else 7, 1)
    end = _month_end(year, 6 if n == 1 else 12)
    vi = f"6 tháng {'đầu' if n == 1 else 'cuối'} năm {year}"
    en = f"{'first' if n == 1 else 'second'} half of {year}"
    return Period(f"{year}-H{n}", start, end, vi, en)


def quarter(year: int, n: int) -> Period:
    start = dt.date(year, 3 * n - 2, 1)
    return Period(f"{year}-Q{n}", start, _month_end(year, 3 * n),
                  f"quý {ROMAN[n - 1]} năm {year}", f"{_QUARTER_EN[n - 1]} quarter of {year}")


def year_period(year: int) -> Period:
    return Period(str(year), dt.date(year, 1, 1), dt.date(year, 12, 31), f"năm {year}",
                  f"the year {year}")


def date_range(start: dt.date, end: dt.date) -> Period:
    """The period from ``start`` to ``end``: the half, quarter or year it is exactly, else a
    range labelled with its two dates."""
    if start.day == 1 and end == _month_end(end.year, end.month) and start.year == end.year:
        if (start.month, end.month) == (1, 12):
            return year_period(start.year)
        for n in (1, 2):
            if (start.month, end.month) == (6 * n - 5, 6 * n):
                return half(start.year, n)
        for n in range(1, 5):
            if (start.month, end.month) == (3 * n - 2, 3 * n):
                return quarter(start.year, n)
    return Period(f"{start.isoformat()}:{end.isoformat()}", start, end,
                  f"từ {start:%d/%m/%Y} đến {end:%d/%m/%Y}",
                  f"from {start:%d/%m/%Y} to {end:%d/%m/%Y}")


def _unknown(text) -> PeriodError:
    return PeriodError(f"kỳ báo cáo không rõ / unknown period: {text!r}; viết / write {WANTED}")


_ROMAN_OR_DIGIT = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_FORMS = [  # (pattern on the folded text, maker of the period from the match)
    (r"(\d{4})-?h([12])", lambda m: half(int(m[1]), int(m[2]))),
    (r"(\d{4})-?q([1-4])", lambda m: quarter(int(m[1]), int(m[2]))),
    (r"q([1-4])[ /-]+(\d{4})", lambda m: quarter(int(m[2]), int(m[1]))),
    (r"(?:nam )?(\d{4})", lambda m: year_period(int(m[1]))),
    (r"the year (\d{4})", lambda m: year_period(int(m[1]))),
    (r"6 thang (dau|cuoi) nam (\d{4})", lambda m: half(int(m[2]), 1 if m[1] == "dau" else 2)),
    (r"(first|second) half(?: of)? (\d{4})",
     lambda m: half(int(m[2]), 1 if m[1] == "first" else 2)),
    (r"quy (iv|iii|ii|i|[1-4])(?: nam)? (\d{4})",
     lambda m: quarter(int(m[2]), _ROMAN_OR_DIGIT[m[1]])),
    (r"(first|second|third|fourth) quarter(?: of)? (\d{4})",
     lambda m: quarter(int(m[2]), _QUARTER_EN.index(m[1]) + 1)),
]
_RANGE = [r"tu (\S+) den (\S+)", r"from (\S+) to (\S+)", r"(\S+?) ?: ?(\S+)"]


def _read(text: str) -> Period:
    folded = re.sub(r"\s+", " ", strip_marks(text).strip().lower())
    for pattern, make in _FORMS:
        if m := re.fullmatch(pattern, folded):
            return make(m)
    for pattern in _RANGE:
        if m := re.fullmatch(pattern, folded):
            try:
                start = parse_date(m[1], "ngày đầu kỳ / start of the period")
                end = parse_date(m[2], "ngày cuối kỳ / end of the period")
            except DateError as exc:
                raise PeriodError(f"kỳ báo cáo / period {text!r}: {exc}") from None
            if end < start:
                raise PeriodError(
                    f"kỳ báo cáo / period {text!r}: ngày cuối {end:%d/%m/%Y} trước ngày đầu "
                    f"{start:%d/%m/%Y} / ends before it starts")
            return date_range(start, end)
    raise _unknown(text)


def parse_period(text, *, today: dt.date | None = None) -> Period:
    """The period ``text`` names (see the module); :class:`PeriodError` otherwise."""
    if isinstance(text, Period):
        period = text
    elif not isinstance(text, str) or not text.strip():
        raise PeriodError(f"cần kỳ báo cáo / a period is required; viết / write {WANTED}")
    else:
        period = _read(text)
    today = today or today_vn()
    if period.end > today:
        raise PeriodError(
            f"kỳ báo cáo / period {period.label_vi} ({period.key}) kết thúc "
            f"{period.end:%d/%m/%Y}, sau hôm nay {today:%d/%m/%Y}: chưa có số liệu / ends "
            f"after today ({today.isoformat()}): its figures are not known yet")
    return period


def previous_period(period: Period) -> Period:
    """The period of the same length just before ``period`` (see the module)."""
    key = period.key
    if m := re.fullmatch(r"(\d{4})-H([12])", key):
        y, n = int(m[1]), int(m[2])
        return half(y, 1) if n == 2 else half(y - 1, 2)
    if m := re.fullmatch(r"(\d{4})-Q([1-4])", key):
        y, n = int(m[1]), int(m[2])
        return quarter(y, n - 1) if n > 1 else quarter(y - 1, 4)
    if re.fullmatch(r"\d{4}", key):
        return year_period(int(key) - 1)
    start, end = period.start, period.end
    before = start - dt.timedelta(days=1)
    if (start.month, start.day) in ((1, 1), (7, 1)) and end < _shift_months(start, 6):
        end_before = _shift_months(end, -6)
        if end == _month_end(end.year, end.month):  # 31/08 -> 28/02, not 28/02 -> 28/08
            end_before = _month_end(end_before.year, end_before.month)
        return date_range(_shift_months(start, -6), end_before)
    if start.day == 1 and end == _month_end(end.year, end.month):
        months = (end.year - start.year) * 12 + end.month - start.month + 1
        return date_range(_shift_months(start, -months), before)
    length = (end - start).days + 1
    return date_range(start - dt.timedelta(days=length), before)


def period_to(as_of, *, today: dt.date | None = None) -> Period:
    """The half-year holding ``as_of``, cut at that date (the page's date slider): from
    01/01 or 01/07 to ``as_of``; the whole half when ``as_of`` is its last day."""
    try:
        day = parse_date(as_of, "as_of")
    except DateError as exc:
        raise PeriodError(str(exc)) from None
    start = dt.date(day.year, 1 if day.month <= 6 else 7, 1)
    return parse_period(date_range(start, day), today=today)


__all__ = ["PeriodError", "date_range", "half", "parse_period", "period_to", "previous_period",
           "quarter", "year_period"]
