"""Editing on the map: status edits with preview and no lost updates, status-list uploads.

Every route needs an editor's login and a CSRF token. The views parse the request and call
:mod:`landgis.editing` or the status-list core that ``scripts/import_status.py`` uses.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from flask import Blueprint, jsonify, request
from flask_login import current_user
from werkzeug.utils import secure_filename

from landgis import editing
from landgis.ingest.importer import file_sha256
from landgis.ingest.status_list import (StatusListError, now_vn, parse_date, plan_status_import,
                                        read_status_list)
from landgis.store.base import Batch, ConflictError
from webmap.auth import role_required
from webmap.data import get_store
from webmap.guards import json_body

bp = Blueprint("edit", __name__, url_prefix="/edit")
UPLOAD_SUFFIXES = (".xlsx", ".csv")
MAX_UPLOAD = 20 * 1024 * 1024


@bp.errorhandler(editing.EditError)
@bp.errorhandler(StatusListError)
def _bad(exc):
    return jsonify(error=str(exc)), 400


@bp.errorhandler(ConflictError)
def _conflict(exc: ConflictError):
    return jsonify(error=str(exc), conflicts=exc.conflicts), 409


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
    return jsonify(editing.preview_edit(get_store(), _edit_from_request()))


@bp.post("/status")
@role_required("editor")
def record():
    edit = _edit_from_request()
    allow = json_body().get("allow_backwards", False)
    if not isinstance(allow, bool):
        raise editing.EditError("allow_backwards: true hoặc false / true or false")
    result = editing.apply_edit(get_store(), edit, user=current_user.id, allow_backwards=allow)
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
    field = form.get("field", "")
    document_no = form.get("document_no", "").strip()
    if not document_no:
        raise editing.EditError("document_no: cần số văn bản / the document number is required")
    try:
        document_date = parse_date(form.get("document_date", ""), "document_date")
        effective = (parse_date(form["effective_date"], "effective_date")
                     if form.get("effective_date") else document_date)
    except ValueError as exc:
        raise editing.EditError(str(exc)) from None
    store = get_store()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        upload.save(path)
        if path.stat().st_size > MAX_UPLOAD:
            raise editing.EditError("tệp quá lớn / file too large")
        rows = read_status_list(path)
        sha = file_sha256(path)
    plan = plan_status_import(
        rows, field, store.read_layer("parcels", columns=["parcel_id", "commune_code",
                                                          "commune_name"]),
        store.read_layer("status_events"), document_no=document_no,
        document_date=document_date, effective_date=effective, recorded_by=current_user.id,
        recorded_at=now_vn(), source=name)
    skip = form.get("skip_bad_rows") == "1"
    report = {"report": plan.report(), "errors": [r.row for r in plan.errors],
              "ok": plan.ok, "written": 0}
    if form.get("confirm") != "1" or (not plan.ok and not skip):
        return jsonify(report), 200 if plan.ok else 422
    events = plan.events_to_write(skip)
    if len(events):
        store.append_events(events, batch=Batch(
            source_name=name, user=current_user.id, source_sha256=sha, action="status_list",
            counts={"events": len(events), "skipped_rows": len(report["errors"])},
            note=f"{field} {document_no} (web)"))
    report["written"] = len(events)
    return jsonify(report), 201
