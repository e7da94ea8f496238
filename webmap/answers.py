"""How the app answers, whatever the route: errors as JSON, JSON compressed, caching told.

- **Errors**: every 4xx and 5xx the app or Werkzeug raises (an unknown path, a wrong method, a
  body too large, a bug) is ``{"error": "…"}`` in JSON, on every path, the page's too: the
  README's promise, and one shape for the page's script and for tools. Only the login and
  logout forms, which a person submits, show their CSRF refusal as text
  (:mod:`webmap.auth`).
- **Compression**: a JSON answer of :data:`GZIP_MIN_BYTES` or more is sent gzip-compressed to a
  client that accepts it (``/api/parcels``: about a tenth of the bytes).
- **Caching**: answers under :data:`NO_STORE_PREFIXES` (who is logged in and their CSRF token,
  edits) are ``no-store`` unless the view says otherwise; when reading needs a login
  (``read_open`` off) nothing is left for a shared cache: ``public`` becomes ``private``.
"""

from __future__ import annotations

import gzip

from flask import current_app, jsonify, request
from werkzeug.exceptions import HTTPException

#: the Vietnamese for the HTTP errors the app answers
ERRORS_VI = {400: "yêu cầu không hợp lệ", 401: "cần đăng nhập", 403: "không được phép",
             404: "không tìm thấy", 405: "phương thức không được phép",
             406: "không có dạng phù hợp", 409: "xung đột", 413: "yêu cầu quá lớn",
             414: "địa chỉ quá dài", 415: "kiểu dữ liệu không hỗ trợ",
             429: "quá nhiều yêu cầu", 431: "tiêu đề quá lớn", 500: "lỗi máy chủ",
             503: "dịch vụ chưa sẵn sàng"}
#: JSON answers smaller than this go as they are (gzip would save little)
GZIP_MIN_BYTES = 1024
GZIP_TYPES = ("application/json", "application/geo+json")
#: answers of these paths are per user (or change the data): never stored by a cache
NO_STORE_PREFIXES = ("/auth/", "/edit/")


def http_error(exc: HTTPException):
    """``{"error": "404 không tìm thấy / Not Found: …"}`` with the exception's code."""
    if exc.response is not None:  # abort() with an answer made by a view
        return exc.response
    vi = ERRORS_VI.get(exc.code)
    name = f"{vi} / {exc.name}" if vi else exc.name
    response = jsonify(error=f"{exc.code} {name}: {exc.description}")
    response.status_code = exc.code
    if exc.code == 405 and getattr(exc, "valid_methods", None):
        response.headers["Allow"] = ", ".join(exc.valid_methods)
    return response


def unexpected_error(exc: Exception):
    if isinstance(exc, HTTPException):
        return http_error(exc)
    current_app.logger.exception("unexpected error on %s", request.path)
    return jsonify(error="lỗi máy chủ / internal error"), 500


def _gzip(response):
    if (response.mimetype not in GZIP_TYPES or response.direct_passthrough
            or response.is_streamed or not 200 <= response.status_code < 300
            or response.status_code == 204 or "Content-Encoding" in response.headers):
        return response
    data = response.get_data()
    if len(data) < GZIP_MIN_BYTES:
        return response
    response.vary.add("Accept-Encoding")
    if request.accept_encodings["gzip"] <= 0:
        return response
    response.set_data(gzip.compress(data, compresslevel=6, mtime=0))
    response.headers["Content-Encoding"] = "gzip"
    etag, weak = response.get_etag()
    if etag and not weak:  # the same JSON, other bytes
        response.set_etag(etag, weak=True)
    return response


def _cache_policy(response):
    control = response.headers.get("Cache-Control")
    if control is None and request.path.startswith(NO_STORE_PREFIXES):
        response.headers["Cache-Control"] = "no-store"
    elif not current_app.config["LANDGIS"].read_open:
        if control is None:
            response.headers["Cache-Control"] = "private"
        elif "public" in control:
            response.headers["Cache-Control"] = control.replace("public", "private")
        elif "private" not in control and "no-store" not in control:
            response.headers["Cache-Control"] = f"private, {control}"
    return response


def init_app(app) -> None:
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(Exception, unexpected_error)
    app.after_request(_gzip)
    app.after_request(_cache_policy)
