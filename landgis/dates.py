"""Dates as people write them in Viet Nam, read one way everywhere.

Every date that comes in (a status list's cells and document date, the edit form, the API's
``as_of``, a script's date option, a layer's date column) is read by :func:`parse_date`, and
every date the store keeps is ISO text ``YYYY-MM-DD`` (:func:`iso_date`).

Read without doubt:

- ISO text ``yyyy-mm-dd`` (``2020-02-01``);
- day first, ``dd/mm/yyyy``, ``dd-mm-yyyy`` or ``dd.mm.yyyy`` (``01/02/2020`` is 1 February
  2020; day and month may have one digit; one separator throughout);
- date and date-time values read from files (``datetime.date``, ``datetime.datetime``,
  ``pandas.Timestamp``, ``numpy.datetime64``: an Excel cell through openpyxl, a GDAL Date or
  DateTime field): their calendar day, in Viet Nam time (+07:00) when they carry a time zone.

Refused, with a message naming what was given and what is wanted
(:data:`WANTED` = "dd/mm/yyyy hoặc / or yyyy-mm-dd"):

- two-digit years (``01/02/20``: which century?);
- dates that are not in the calendar (``31/02/2019``), month-first US dates (``12/31/2019``:
  there is no month 31);
- text with a time (``2020-02-01 08:00``, ``2020-02-01T00:00:00``): a date is asked for, and a
  time written beside it may belong to another time zone's day;
- numbers (an Excel serial number such as ``43862`` is not recognisably a date), free text.

:func:`check_effective_date` bounds the dates a status takes effect on: not after today (in
Viet Nam, computed at each call) and not before a floor (the ``min_effective_date`` setting).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

import numpy as np
import pandas as pd

#: The formats a date may be written in, for messages.
WANTED = "dd/mm/yyyy hoặc / or yyyy-mm-dd"

#: Viet Nam's time zone: "today" and the day of a time-zoned value are taken here.
VN_TZ = dt.timezone(dt.timedelta(hours=7), "+07:00")

#: The earliest effective date accepted when the settings name none (``min_effective_date``).
DEFAULT_MIN_EFFECTIVE_DATE = dt.date(2000, 1, 1)

_YMD = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})", re.ASCII)
_DMY = re.compile(r"(\d{1,2})([/.-])(\d{1,2})\2(\d{4})", re.ASCII)
_DMY_SHORT_YEAR = re.compile(r"\d{1,2}([/.-])\d{1,2}\1\d{2}", re.ASCII)
_WITH_TIME = re.compile(r"(\d{4}-\d{1,2}-\d{1,2}|\d{1,2}([/.-])\d{1,2}\2\d{2,4})"
                        r"(T|\s+)\d{1,2}[:h]", re.ASCII)


class DateError(ValueError):
    """A value that is not a date read without doubt; the message says what is wanted."""


def _empty(value) -> bool:
    if value is None or value is pd.NaT or value is pd.NA:
        return True
    if isinstance(value, float) and value != value:
        return True
    if isinstance(value, np.datetime64) and np.isnat(value):
        return True
    return isinstance(value, str) and not value.strip()


def _from_object(value) -> dt.date | None:
    """The calendar day of a date or date-time value, None if ``value`` is not one."""
    if isinstance(value, np.datetime64):
        value = pd.Timestamp(value)
    if isinstance(value, dt.datetime):  # pandas.Timestamp too
        if value.tzinfo is not None:
            value = value.astimezone(VN_TZ)
        return dt.date(value.year, value.month, value.day)
    if isinstance(value, dt.date):
        return value
    return None


def _refuse(what: str, shown, reason_vi: str, reason_en: str) -> DateError:
    return DateError(f"{what}: {shown!r} {reason_vi} / {reason_en}; "
                     f"viết / write {WANTED}")


def parse_date(value, what: str = "ngày / date") -> dt.date:
    """The date ``value`` stands for, read as described in this module; DateError otherwise.

    ``what`` names the value in the message (a column, a field, a setting).
    """
    if _empty(value):
        raise DateError(f"{what}: cần ngày / a date is required ({WANTED})")
    day = _from_object(value)
    if day is not None:
        return day
    if isinstance(value, (bool, int, float, np.number)):
        raise _refuse(what, value, "là số, không phải ngày", "is a number, not a date")
    if not isinstance(value, str):
        raise _refuse(what, value, "không phải ngày", "is not a date")
    text = unicodedata.normalize("NFKC", value).strip()
    if m := _YMD.fullmatch(text):
        y, mo, d = m.groups()
    elif m := _DMY.fullmatch(text):
        d, _sep, mo, y = m.groups()
    elif _DMY_SHORT_YEAR.fullmatch(text):
        raise _refuse(what, value, "có năm hai chữ số", "has a two-digit year")
    elif _WITH_TIME.match(text):
        raise _refuse(what, value, "có kèm giờ, chỉ ghi ngày", "has a time; give the date alone")
    else:
        raise _refuse(what, value, "không phải ngày", "is not a date")
    try:
        return dt.date(int(y), int(mo), int(d))
    except ValueError:
        pass
    if m and m.re is _DMY and 1 <= int(d) <= 12 < int(mo) <= 31:
        raise _refuse(what, value, f"không có tháng {int(mo)}, ngày viết trước tháng",
                      f"there is no month {int(mo)}: the day comes first, then the month")
    raise _refuse(what, value, "không có trong lịch", "is not a real date")


def iso_date(value, what: str = "ngày / date", *, required: bool = True) -> str | None:
    """``YYYY-MM-DD`` text of :func:`parse_date`; with ``required=False`` None for an empty
    value (None, NaN, NaT, blank text)."""
    if not required and _empty(value):
        return None
    return parse_date(value, what).isoformat()


def today_vn() -> dt.date:
    """Today in Viet Nam, taken now (never cached: a server runs across midnight)."""
    return dt.datetime.now(VN_TZ).date()


def check_effective_date(value, *, earliest=None, today: dt.date | None = None,
                         what: str = "ngày hiệu lực / effective date") -> dt.date:
    """``value`` (any date :func:`parse_date` reads) if a status may take effect on it.

    Not after ``today`` (default: today in Viet Nam, now) and not before ``earliest`` (a date,
    or text such as the ``min_effective_date`` setting; default
    :data:`DEFAULT_MIN_EFFECTIVE_DATE`). DateError saying the bound otherwise.
    """
    day = parse_date(value, what)
    today = today or today_vn()
    floor = (DEFAULT_MIN_EFFECTIVE_DATE if _empty(earliest)
             else parse_date(earliest, "min_effective_date"))
    if day > today:
        raise DateError(f"{what}: {day:%d/%m/%Y} sau hôm nay ({today:%d/%m/%Y}) / is after "
                        f"today ({today.isoformat()}); một trạng thái không thể có hiệu lực "
                        "trong tương lai / a status cannot take effect in the future")
    if day < floor:
        raise DateError(f"{what}: {day:%d/%m/%Y} trước ngày sớm nhất được nhận "
                        f"({floor:%d/%m/%Y}) / is before the earliest effective date accepted "
                        f"({floor.isoformat()})")
    return day


def display_date(value) -> str:
    """A stored date for people, day first: ``2024-03-01`` -> ``01/03/2024``; empty text for
    none, the value as it is when it is not a date."""
    if _empty(value):
        return ""
    try:
        return f"{parse_date(value):%d/%m/%Y}"
    except DateError:
        return str(value)


def iso_date_series(series: pd.Series, what: str) -> tuple[pd.Series, list[tuple[int, str]]]:
    """A column of dates as ``YYYY-MM-DD`` text (None where empty), each distinct value read
    once; and the (position, message) of every value that is not a date, left as it was."""
    values = series.astype(object).to_numpy()
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    read: list = []
    for value in uniques:
        try:
            read.append(iso_date(value, what, required=False))
        except DateError as exc:
            read.append(exc)
    failed = np.array([isinstance(r, DateError) for r in read] + [False])
    text = np.array([None if isinstance(r, DateError) else r for r in read] + [None], object)
    out = text[codes]  # code -1 (missing) takes the last entry, None
    rows = np.flatnonzero(failed[codes])
    out[rows] = values[rows]
    bad = [(int(i), str(read[codes[i]])) for i in rows]
    return pd.Series(out, index=series.index, dtype=object, name=series.name), bad


__all__ = ["DEFAULT_MIN_EFFECTIVE_DATE", "DateError", "VN_TZ", "WANTED", "check_effective_date",
           "display_date", "iso_date", "iso_date_series", "parse_date", "today_vn"]
