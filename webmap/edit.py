"""Editing on the map: status edits with preview and no lost updates, status-list uploads.

Every route needs an editor's login and a CSRF token. The views parse the request and call
:mod:`landgis.editing` or the status-list core that ``scripts/import_status.py`` uses.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from flask import Blueprint, current_app, jsonify, request
from flask_login import current_user
from werkzeug.utils import secure_filename

from landgis import editing
from landgis.ingest.status_import import import_status_list
from landgis.dates import DateError, iso_date
from landgis.ingest.fields import parse_pairs
from landgis.ingest.status_list import StatusListError
from landgis.ingest.status_read import MAP_ROLES, StatusListTooLong
from landgis.store.base import ConflictError
from webmap.auth import role_required
from webmap.data import get_store
from webmap.guards import json_body

bp = Blueprint("edit", __name__, url_prefix="/edit")
UPLOAD_SUFFIXES = (".xlsx", ".csv")
#: Rows in error listed in the answer's ``errors`` (``error_count`` counts them all).
MAX_ERROR_ROWS = 100
#: The longest field map accepted, in characters.
MAX_MAP_CHARS = 2000
#: The form field, and the words that point at it, for each option a status list error names
#: (StatusListError.option).
FIELDS = {
    "field_map": ("map", "ghi ở ô «Ánh xạ cột» TIÊU ĐỀ=status, mỗi dòng một cột / write "
                         "HEADER=status in the «Column map» field, one per line (columns: "
                         + ", ".join(MAP_ROLES) + ")"),
    "sheet": ("file", "đặt trang tính cần nhập lên đầu tệp / put the sheet to import first "
                      "in the workbook"),
    "document": ("document_no", "điền ô «Số văn bản» và «Ngày văn bản» cho các dòng không có "
                                "/ fill the «Document no.» and «Document date» fields for the "
                                "rows without their own"),
}


@bp.errorhandler(editing.EditError)
@bp.errorhandler(DateError)
def _bad(exc):
    return jsonify(error=str(exc)), 400


@bp.errorhandler(StatusListError)
def _bad_list(exc: StatusListError):
    if exc.option in FIELDS:
        field, hint = FIELDS[exc.option]
        return jsonify(error=f"{exc}. Cách sửa / to fix: {hint}", field=field), 400
    return jsonify(error=str(exc)), 400


@bp.errorhandler(StatusListTooLong)
def _too_long(exc):
    return jsonify(error=str(exc)), 413


@bp.errorhandler(ConflictError)
def _conflict(exc: ConflictError):
    return jsonify(error=str(exc), conflicts=exc.conflicts), 409


def _earliest():
    """The earliest effective date accepted (the ``min_effective_date`` setting)."""
    return current_app.config["LANDGIS"].min_effective_date


def _edit_from_request() -> editing.StatusEdit:
    doc = json_body()
    edit = editing.edit_from_json(doc)
    if doc.get("polygon") is not None:
        edit.parcel_ids = sorted(set(edit.parcel_ids)
                                 | set(editing.parcels_touched(get_store(), doc["polygon"])))
    return edit


@bp.post("/preview")
@role_required("editor")
def preview():
    return jsonify(editing.preview_edit(get_store(), _edit_from_request(), earliest=_earliest()))


@bp.post("/status")
@role_required("editor")
def record():
    edit = _edit_from_request()
    allow = json_body().get("allow_backwards", False)
    if not isinstance(allow, bool):
        raise editing.EditError("allow_backwards: true hoặc false / true or false")
    result = editing.apply_edit(get_store(), edit, user=current_user.id, allow_backwards=allow,
                                earliest=_earliest())
    return jsonify(result), 201


@bp.post("/upload")
@role_required("editor")
def upload():
    """A status list: answers the report; writes only with confirm=1 and no row in error
    (or skip_bad_rows=1)."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise editing.EditError("chọn tệp / choose a file (.xlsx or .csv)")
    name = secure_filename(upload.filename) or "upload"
    if not name.lower().endswith(UPLOAD_SUFFIXES):
        raise editing.EditError(f"{upload.filename}: an .xlsx or .csv file")
    form = request.form
    # DateError: 400; both may be left empty when every row carries its own decision
    document_date = iso_date(form.get("document_date", ""), "document_date", required=False)
    effective = iso_date(form.get("effective_date", ""), "effective_date", required=False)
    map_text = form.get("map", "")
    if len(map_text) > MAX_MAP_CHARS:
        raise editing.EditError(f"map: quá dài / too long (at most {MAX_MAP_CHARS} characters)")
    try:
        field_map = parse_pairs(map_text.splitlines(), "map")
    except ValueError as exc:
        raise editing.EditError(str(exc)) from None
    confirm = form.get("confirm") == "1"
    skip = form.get("skip_bad_rows") == "1"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        upload.save(path)
        result = import_status_list(
            get_store(), path, form.get("field", ""), document_no=form.get("document_no", ""),
            field_map=field_map,
            document_date=document_date, effective_date=effective,
            recorded_by=current_user.id, source_name=name, write=confirm,
            skip_bad_rows=skip, max_rows=current_app.config["LANDGIS"].max_list_rows,
            via="web", earliest=_earliest())
    plan = result.plan
    errors = result.error_rows
    report = {"report": plan.report(), "errors": errors[:MAX_ERROR_ROWS],
              "error_count": len(errors), "ok": plan.ok, "written": result.written}
    if not confirm or (not plan.ok and not skip):
        return jsonify(report), 200 if plan.ok else 422
    return jsonify(report), 201
