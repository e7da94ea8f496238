"""Parameters of the JSON API's questions, checked: the errors the web answers 400 and 404 with,
dates, and boxes in WGS 84."""

from __future__ import annotations

import numpy as np

from landgis import crs as crsmod
from landgis.dates import DateError, iso_date


class BadRequest(ValueError):
    """Parameters that cannot be answered; the message says why."""


class NotFound(LookupError):
    """An id that names nothing."""


def parse_date(text: str | None, name: str = "as_of") -> str | None:
    """``YYYY-MM-DD`` for a date written as :mod:`landgis.dates` reads it (day first), None
    for none; BadRequest saying the formats wanted otherwise."""
    try:
        return iso_date(text, name, required=False)
    except DateError as exc:
        raise BadRequest(str(exc)) from None


MAX_BBOX_DEG = 0.25  # a bbox request covers at most about 27 km × 27 km


def parse_bbox(text: str | None, *, max_deg: float = MAX_BBOX_DEG) -> tuple[float, ...]:
    """``minlon,minlat,maxlon,maxlat`` in WGS 84, checked."""
    if not text:
        raise BadRequest("bbox is required: minlon,minlat,maxlon,maxlat (WGS 84)")
    try:
        box = tuple(float(v) for v in str(text).split(","))
    except ValueError:
        raise BadRequest(f"bbox {text!r}: four numbers separated by commas") from None
    if len(box) != 4 or not all(np.isfinite(box)):
        raise BadRequest(f"bbox {text!r}: four numbers separated by commas")
    w, s, e, n = box
    if not (-180 <= w < e <= 180 and -90 <= s < n <= 90):
        raise BadRequest(f"bbox {text!r}: not minlon,minlat,maxlon,maxlat in degrees")
    if e - w > max_deg or n - s > max_deg:
        raise BadRequest(f"bbox {text!r}: larger than {max_deg}° × {max_deg}°; zoom in")
    return box


def storage_bbox(box) -> tuple[float, float, float, float]:
    """A WGS 84 box as the box of the storage CRS that holds it."""
    w, s, e, n = box
    t = crsmod.transformer(crsmod.WGS84, crsmod.STORAGE_CRS)
    xs, ys = t.transform([w, e, w, e], [s, s, n, n])
    return min(xs), min(ys), max(xs), max(ys)
