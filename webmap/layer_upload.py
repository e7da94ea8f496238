"""Importing a survey on the map page: upload, check, fix the options, check again, confirm.

The same core as ``scripts/import_layer.py``: :func:`landgis.ingest.importer.run_import`, the
same batch record and the same all-or-nothing write. The flow:

``POST /edit/layer/check``
    multipart: ``file`` (a new upload) or ``token`` (the last one again), and the options
    ``layer``, ``crs``, ``encoding``, ``map`` (lines ``SOURCE=column``), ``set`` (lines
    ``column=value``), ``source_layer``, ``tolerance``, ``repair``, ``strict``,
    ``confirm_removed``, ``replace_layer`` (checkboxes, ``1``). Nothing is
    written. Answers the report (200 when it may be written, 422 when not), every finding with
    its place in WGS 84; a file the core refuses answers 422 with ``field``, the form field
    that would put it right (``file`` when only another file would).
``POST /edit/layer/confirm``
    JSON ``{"token": …}``: checks again with the options of the last check and writes (201).
``POST /edit/layer/discard``
    JSON ``{"token": …}``: forgets the upload.
``GET /edit/layer/options``
    the choices of the form (CRSs, encodings, layers, accepted files, the size limit).

Every route needs an editor; every POST a CSRF token (header ``X-CSRFToken``). The upload's
``Content-Length`` is compared with the ``max_survey_upload_mb`` setting before the body is read.
Uploads are kept by :mod:`webmap.upload_store`.
"""

from __future__ import annotations

import re
import unicodedata

from flask import Blueprint, current_app, jsonify, request
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from landgis import crs as crsmod
from landgis.contract import LAYERS, RECORDS
from landgis.ingest.derive import MissingColumns
from landgis.ingest.encodings import ENCODINGS
from landgis.ingest.fields import parse_pairs
from landgis.ingest.importer import ImportOptions, run_import
from webmap.auth import csrf, role_required
from webmap.data import get_store
from webmap.upload_store import UploadGone, Uploads, UploadsFull

bp = Blueprint("layer_upload", __name__, url_prefix="/edit/layer")

#: the files the page accepts (a Shapefile comes zipped with its .dbf, .shx, .prj)
ACCEPTED = (".zip", ".gpkg", ".geojson", ".json", ".kml", ".dxf", ".dgn", ".fgb", ".csv")
#: a confirmation or a discard is a token in a small JSON body
SMALL_BODY = 16 * 1024
#: findings listed in one answer (the counts stay complete)
MAX_FINDINGS = 2000
#: the form field, and the words that point at it, for each option the core names
FIELDS = {
    "crs": ("crs", "chọn ở ô «Hệ tọa độ» / pick it in the «CRS» field"),
    "encoding": ("encoding", "chọn bảng mã khác ở ô «Bảng mã» / pick another in the "
                             "«Encoding» field"),
    "field_map": ("map", "sửa ở ô «Ánh xạ trường» (NGUỒN=cột) / correct the «Field map» "
                         "field (SOURCE=column)"),
    "constants": ("set", "sửa ở ô «Giá trị chung» (cột=giá trị) / correct the «Values for "
                         "every feature» field (column=value)"),
    "source_layer": ("source_layer", "sửa ở ô «Lớp trong tệp» / correct the «Layer in the "
                                     "file» field"),
    None: ("file", "chọn tệp khác ở ô «Tệp» / choose another file in the «File» field"),
}

#: what puts a missing column right
MISSING_HINT = ("ghi cột của tệp chứa nó ở ô «Ánh xạ trường» (NGUỒN=cột), hoặc một giá trị cho "
                "mọi đối tượng ở ô «Giá trị chung» (cột=giá trị) / write the file's column that "
                "holds it in the «Field map» field (SOURCE=column), or one value for every "
                "feature in the «Values for every feature» field (column=value)")


class FormError(ValueError):
    """A form field that cannot be read; answered 400 naming the field."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def _json_error(message: str, status: int, **extra):
    return jsonify(error=message, **extra), status


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(_exc):
    return _too_large_answer()


@bp.errorhandler(UploadGone)
def _gone(exc):
    return _json_error(str(exc), 404)


@bp.errorhandler(UploadsFull)
def _full(exc):
    return _json_error(str(exc), 503)


@bp.errorhandler(FormError)
def _form(exc: FormError):
    return _json_error(str(exc), 400, field=exc.field)


def _limit_mb() -> float:
    return float(current_app.config["LANDGIS"].max_survey_upload_mb)


def _too_large_answer():
    mb = _limit_mb()
    return _json_error(f"tệp quá lớn / the upload is larger than the limit of {mb:g} MB "
                       f"(setting max_survey_upload_mb)", 413, limit_mb=mb)


def _bounded(limit: int):
    """Refuse a body over ``limit`` bytes by its Content-Length, before reading it; then check
    the CSRF token (which reads the form). None when the request may go on."""
    length = request.content_length
    if length is None:
        return _json_error("cần Content-Length / the request must state its length", 411)
    if length > limit:
        return _too_large_answer() if limit > SMALL_BODY else \
            _json_error("yêu cầu quá lớn / request too large", 413)
    request.max_content_length = limit  # werkzeug stops reading there too
    if current_app.config.get("WTF_CSRF_ENABLED", True):
        csrf.protect()  # CSRFError: the app's handler answers 400
    return None


def uploads() -> Uploads:
    ext = current_app.extensions
    if "landgis_uploads" not in ext:
        ext["landgis_uploads"] = Uploads(current_app.instance_path + "/uploads")
    return ext["landgis_uploads"]


def _file_name(filename: str) -> str:
    """The uploaded file's own name, as the batch records it: its last part, NFC, without
    control characters or leading dots, and of an accepted kind."""
    name = re.split(r"[/\\]", filename)[-1]
    name = "".join(c for c in unicodedata.normalize("NFC", name)
                   if unicodedata.category(c)[0] != "C").strip().lstrip(".")
    suffix = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    if suffix == ".shp":
        raise FormError("file", f"{filename}: gửi Shapefile dạng .zip cùng .dbf, .shx, .prj / "
                                "send a Shapefile as a .zip with its .dbf, .shx and .prj")
    if suffix not in ACCEPTED:
        raise FormError("file", f"{filename}: loại tệp không nhận / unknown kind of file; "
                                f"accepted: {', '.join(ACCEPTED)}")
    stem = name[: -len(suffix)][:100] or "upload"
    return stem + suffix


def _text(form, name: str, longest: int = 200) -> str | None:
    value = (form.get(name) or "").strip()
    if len(value) > longest:
        raise FormError(name, f"{name}: quá dài / too long (at most {longest} characters)")
    return value or None


def _check_options(form) -> dict:
    """The options of a check as the form gives them (kept for the confirmation)."""
    layer = form.get("layer") or "parcels"
    if layer not in LAYERS or layer in RECORDS:
        raise FormError("layer", f"lớp không có / no such layer: {layer!r}")
    encoding = _text(form, "encoding")
    if encoding is not None and encoding not in ENCODINGS:
        raise FormError("encoding", f"bảng mã không có / unknown encoding {encoding!r}; "
                                    f"one of {', '.join(ENCODINGS)}")
    tolerance = _text(form, "tolerance", 20)
    if tolerance is not None:
        try:
            tolerance = float(tolerance.replace(",", "."))
        except ValueError:
            tolerance = -1.0
        if not 0 < tolerance <= 100:
            raise FormError("tolerance", "sai số phải là số trong (0, 100] / the tolerance must "
                                         "be a number of per cent in (0, 100]")
    lines = {}
    for name, what in (("map", "ánh xạ trường / field map"),
                       ("set", "giá trị chung / value for every feature")):
        text = _text(form, name, 10_000) or ""
        try:
            lines[name] = parse_pairs(text.splitlines(), what)
        except ValueError as exc:
            raise FormError(name, str(exc)) from None
    return {"layer": layer, "crs": _text(form, "crs"), "encoding": encoding,
            "field_map": lines["map"], "constants": lines["set"],
            "source_layer": _text(form, "source_layer"), "tolerance_pct": tolerance,
            "repair": form.get("repair") == "1", "strict": form.get("strict") == "1",
            "confirm_removed": form.get("confirm_removed") == "1",
            "mode": "replace" if form.get("replace_layer") == "1" else "update"}


def _run(upload, chosen: dict, *, write: bool):
    options = ImportOptions(**{k: v for k, v in chosen.items() if k != "layer"})
    return run_import(get_store(), upload.path, chosen["layer"], options,
                      user=current_user.id, write=write,
                      area_tolerance_pct=current_app.config["LANDGIS"].area_tolerance_pct)


def _shown(text: str) -> str:
    """A core message without the server's folder: the planner knows the file by its name."""
    return re.sub(re.escape(str(uploads().root)) + r"/[^/]+/", "", text)


def _refusal(exc: ValueError, upload):
    """422 for a file the core refuses, naming the form field that would put it right."""
    option = getattr(exc, "option", None)
    field, hint = FIELDS.get(option, FIELDS[None])
    body = {"error": _shown(str(exc)), "field": field, "hint": hint, "file": upload.name}
    if isinstance(exc, MissingColumns):
        body.update(missing=exc.missing, columns=exc.file_columns, hint=MISSING_HINT)
    if option is None:
        uploads().remove(upload)  # nothing in the form can make this file importable
    else:
        body["token"] = upload.token
    return jsonify(body), 422


def _report(result, upload, chosen: dict) -> dict:
    """The report as JSON, each finding with its longitude and latitude."""
    plan = result.plan
    report = plan.report.to_dict()
    findings = report["findings"][:MAX_FINDINGS]
    located = [f for f in findings if f.get("x") is not None]
    if located:
        # lists, not arrays: pyproj reads a one-element array as a deprecated scalar
        lon, lat = crsmod.transformer(crsmod.STORAGE_CRS, crsmod.WGS84).transform(
            [f["x"] for f in located], [f["y"] for f in located])
        for f, a, b in zip(located, lon, lat):
            f.update(lon=round(float(a), 7), lat=round(float(b), 7))
    report.update(findings=findings, findings_listed=len(findings),
                  notes=[_shown(n) for n in report["notes"]])
    for f in findings:
        f["message"] = _shown(f["message"])
    return {"token": upload.token, "file": upload.name, "layer": chosen["layer"],
            "ok": result.refused is None, "refused": result.refused,
            "counts": plan.counts(), "report": report}


@bp.get("/options")
@role_required("editor")
def options():
    return jsonify(
        crs=[{"value": f"EPSG:{code}", "label": f"EPSG:{code} – {names[0]}"}
             for code, names in crsmod.KNOWN_CRS.items()],
        encodings=list(ENCODINGS), layers=[n for n in LAYERS if n not in RECORDS],
        accepted=list(ACCEPTED), max_survey_upload_mb=_limit_mb())


@bp.post("/check")
@role_required("editor")
def check():
    refused = _bounded(int(_limit_mb() * 1024 * 1024) + 64 * 1024)  # the form's own fields
    if refused:
        return refused
    form, store = request.form, uploads()
    sent = request.files.get("file")
    if sent is not None and sent.filename:
        upload = store.create(current_user.token, current_user.id, _file_name(sent.filename),
                              sent.save)
    else:
        upload = store.get(form.get("token"), current_user.token)
    try:
        chosen = _check_options(form)
    except FormError as exc:
        return _json_error(str(exc), 400, field=exc.field, token=upload.token,
                           file=upload.name)
    try:
        result = _run(upload, chosen, write=False)
    except ValueError as exc:  # SourceError and the core's other refusals of the data
        return _refusal(exc, upload)
    store.remember(upload, chosen)
    body = _report(result, upload, chosen)
    if result.refused:
        body["error"] = f"{upload.name}: không ghi được / cannot be written: {result.refused}"
        if result.option:  # confirm_removed: the checkbox that allows it
            body["field"] = result.option
    return jsonify(body), 200 if result.refused is None else 422


def _token_from_body() -> str | None:
    doc = request.get_json(silent=True) or {}
    return doc.get("token") if isinstance(doc, dict) else None


@bp.post("/confirm")
@role_required("editor")
def confirm():
    refused = _bounded(SMALL_BODY)
    if refused:
        return refused
    store = uploads()
    upload = store.get(_token_from_body(), current_user.token)
    chosen = upload.meta.get("check")
    if chosen is None:
        return _json_error("hãy kiểm tra trước / check the file first", 409, token=upload.token)
    claimed = store.claim(upload)
    try:
        result = _run(claimed, chosen, write=True)
    except ValueError as exc:
        store.release(claimed)
        return _refusal(exc, upload)
    except BaseException:
        store.release(claimed)
        raise
    if result.batch is None:
        store.release(claimed)
        body = _report(result, upload, chosen)
        body["error"] = f"{upload.name}: không ghi / nothing written: {result.refused}"
        return jsonify(body), 422
    store.remove(claimed)
    return jsonify(batch=result.batch, written=len(result.plan.frame), layer=chosen["layer"],
                   file=upload.name, counts=result.plan.counts()), 201


@bp.post("/discard")
@role_required("editor")
def discard():
    refused = _bounded(SMALL_BODY)
    if refused:
        return refused
    store = uploads()
    store.remove(store.get(_token_from_body(), current_user.token))
    return jsonify(discarded=True)


def init_app(app) -> None:
    """Register the routes; they check the CSRF token themselves, after the size check (the
    app-wide check would read the whole body first)."""
    csrf.exempt(bp)
    app.register_blueprint(bp)
