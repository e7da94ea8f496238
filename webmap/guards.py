"""What the app accepts: bounded request bodies, JSON bodies read and checked in one place, no
NUL characters, and costly answers refused when another site's page makes a browser ask.

- **Bodies**: every request body is bounded by the ``max_request_bytes`` setting (1 MiB: a
  drawn polygon, an edit, a login), the status-list upload by ``max_upload_bytes`` (20 MiB;
  :data:`BODY_LIMITS`). A body announced larger is answered 413 before it is read; one that
  turns out larger while being read, too. The 413 answer names the limit.
- **JSON**: :func:`json_body` is how every JSON route reads its body: it must say
  ``application/json``, be UTF-8 JSON, nest at most :data:`MAX_JSON_DEPTH` deep, hold no NaN
  or Infinity and no NUL character; anything else is a 400 with a message. What the document
  must hold (an object, its members' types) is checked by the core function it goes to.
- **NUL**: a NUL character in a query parameter or a form field is a 400 (stores refuse it,
  PostgreSQL with an error that would otherwise be a 500).
- **Cross-site**: :func:`same_origin_only` refuses a request a browser sends for another
  site's page (an ``<img>``, a link, a form), by the browser's ``Sec-Fetch-Site`` header, else
  by ``Origin`` or ``Referer``; scripts and tools that send none of them are served.
"""

from __future__ import annotations

import json
from functools import wraps
from urllib.parse import urlsplit

from flask import current_app, jsonify, request
from werkzeug.exceptions import RequestEntityTooLarge

#: endpoints with a body bound of their own, and the setting that gives it
BODY_LIMITS = {"edit.upload": "max_upload_bytes"}
#: the deepest nesting a JSON body may have (a MultiPolygon Feature in a FeatureCollection
#: nests 6 deep)
MAX_JSON_DEPTH = 20


class BodyError(ValueError):
    """A request body or parameter that cannot be read; the message says why (400)."""


def body_limit() -> int:
    """The most bytes this request's body may have."""
    settings = current_app.config["LANDGIS"]
    return int(getattr(settings, BODY_LIMITS.get(request.endpoint, "max_request_bytes")))


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:g} MiB" if n >= 1024 * 1024 else f"{n:,} bytes"


def too_large_answer():
    limit = body_limit()
    return jsonify(error=f"yêu cầu quá lớn / request body too large: at most {_size(limit)} "
                         f"({limit:,} bytes)", limit_bytes=limit), 413


def _bound_the_body():
    """Before every view (and before the CSRF check reads a form): this route's limit."""
    limit = body_limit()
    request.max_content_length = limit
    if request.content_length is not None and request.content_length > limit:
        raise RequestEntityTooLarge()
    for where, values in (("query", request.args), ("form", request.form)):
        for key, value in values.items(multi=True):
            if "\x00" in key or "\x00" in value:
                raise BodyError(f"ký tự NUL / a NUL character in the {where} parameter "
                                f"{key.replace(chr(0), '?')[:40]!r}")
    return None


def _no_constant(name: str):
    raise BodyError(f"JSON: {name} không phải số / is not a number JSON allows")


def _check_tree(doc, what: str) -> None:
    """No nesting deeper than :data:`MAX_JSON_DEPTH`, no NUL in a string or a key."""
    stack = [(doc, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            if "\x00" in value:
                raise BodyError(f"{what}: ký tự NUL trong chuỗi / a NUL character in a string")
            continue
        if depth > MAX_JSON_DEPTH:
            raise BodyError(f"{what}: lồng quá sâu / nested deeper than {MAX_JSON_DEPTH} "
                            "levels")
        if isinstance(value, dict):
            for key in value:
                if "\x00" in key:
                    raise BodyError(f"{what}: ký tự NUL trong khóa / a NUL character in a key")
            items = value.values()
        else:
            items = value
        stack.extend((item, depth + 1) for item in items if isinstance(item, (dict, list, str)))


def parse_json(text: str, what: str = "JSON"):
    """``text`` parsed as JSON and checked (depth, NaN, NUL); :class:`BodyError` naming
    ``what`` otherwise."""
    if not text.strip():
        raise BodyError(f"{what}: trống / empty: send JSON")
    try:
        doc = json.loads(text, parse_constant=_no_constant)
    except RecursionError:
        raise BodyError(f"{what}: lồng quá sâu / nested deeper than {MAX_JSON_DEPTH} "
                        "levels") from None
    except BodyError:
        raise
    except ValueError as exc:
        raise BodyError(f"{what}: không phải JSON / not JSON: {exc}") from None
    if isinstance(doc, (dict, list)):
        _check_tree(doc, what)
    elif isinstance(doc, str) and "\x00" in doc:
        raise BodyError(f"{what}: ký tự NUL trong chuỗi / a NUL character in a string")
    return doc


def json_body():
    """The request's JSON body, parsed and checked (see the module); :class:`BodyError`
    otherwise. Reading it is bounded by the route's body limit (413 beyond)."""
    if not request.is_json:
        raise BodyError("cần JSON / send JSON as the body (Content-Type: application/json)")
    raw = request.get_data(cache=True)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BodyError(f"JSON: không phải UTF-8 / not UTF-8 at byte {exc.start}") from None
    return parse_json(text)


def _host(url: str) -> str | None:
    parts = urlsplit(url)
    return parts.netloc.lower() if parts.scheme in ("http", "https") else None


def cross_site() -> bool:
    """Whether a browser sent this request for a page of another site (or of no site)."""
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None:  # every current browser: computed by the browser, not the page
        return site.strip().lower() not in ("same-origin", "none")
    here = request.host.lower()
    origin = request.headers.get("Origin")
    if origin is not None:
        return _host(origin) != here  # "null" (a sandboxed or file page) too
    referer = request.headers.get("Referer")
    if referer:
        return _host(referer) != here
    return False


def same_origin_only(view):
    """Serve ``view`` to this site's pages, to an address typed or bookmarked and to tools;
    refuse (403) what another site's page makes a browser ask for, such as an ``<img>``
    pointing at a costly export."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if cross_site():
            return jsonify(error="yêu cầu từ trang khác bị từ chối / refused: a request sent "
                                 "by another site's page; open the map of this server"), 403
        return view(*args, **kwargs)
    return wrapper


def init_app(app) -> None:
    """Bound every body. Call before anything that reads a body in ``before_request`` (the
    CSRF check reads forms), so each route's own bound applies there too."""
    app.config["MAX_CONTENT_LENGTH"] = app.config["LANDGIS"].max_request_bytes
    app.before_request(_bound_the_body)
    app.register_error_handler(BodyError, lambda exc: (jsonify(error=str(exc)), 400))
    app.register_error_handler(RequestEntityTooLarge, lambda exc: too_large_answer())
