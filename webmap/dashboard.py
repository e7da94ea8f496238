"""The dashboard of the half-year review (issue 14): the report's figures on a page.

    GET /dashboard                                     the page (static/dashboard.js draws it)
    GET /api/dashboard?as_of=…&zone=…&lang=vi|en       the figures of the half-year holding the
                                                       date, cut at it (JSON, ETag)
    GET /report/download?period=…&zone=…&lang=…&format=docx|xlsx|pdf|zip   the report's files

The figures are those of :func:`landgis.report.figures.build_report` for
:func:`landgis.report.period.period_to` the date, the same core as ``scripts/report.py``;
:mod:`webmap.dashboard_json` lays them out. Answers are kept per store version, rules file,
date, zone and language (:meth:`landgis.dataview.DataView.derived`) and revalidated by ETag.
Reading follows the ``read_open`` setting like every page (:mod:`webmap.auth`). Writing the
report's files takes seconds: one at a time per server, a second asker gets 429.
"""

from __future__ import annotations

import datetime as dt
import io
import tempfile
import threading
import zipfile
from pathlib import Path

from flask import Blueprint, current_app, jsonify, render_template, request, send_file
from flask_login import current_user

from landgis.dates import today_vn
from landgis.params import BadRequest
from landgis.progress import answers
from webmap.data import get_views
from webmap.dashboard_json import dashboard_answer
from webmap.progress import _revalidated, book_of, current_view, query, rules_file, zones_of

bp = Blueprint("dashboard", __name__)

LANGS = ("vi", "en")
FORMATS = {"docx": "bao_cao.docx", "xlsx": "bao_cao.xlsx", "pdf": "bao_cao.pdf", "zip": None}
MIMETYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf", "zip": "application/zip"}
#: one report written at a time per server (each takes seconds of CPU and LibreOffice)
_WRITING = threading.Lock()


@bp.errorhandler(BadRequest)
def _bad_request(exc):
    return jsonify(error=str(exc)), 400


def _lang() -> str:
    lang = request.args.get("lang") or "vi"
    if lang not in LANGS:
        raise BadRequest(f"lang: ngôn ngữ không rõ / unknown language {lang!r}: vi, en")
    return lang


def report_of(view, day: str, zone: str | None):
    """The report of the half-year holding ``day``, cut at it, built once per version
    (a date the core refuses: :class:`~landgis.report.period.PeriodError`, a 400)."""
    from landgis.report.figures import build_report
    from landgis.report.period import period_to

    return view.derived(f"report|{rules_file()}|{day}|{zone}",
                        lambda: build_report(view.store, period_to(day), zone=zone,
                                             views=get_views(), rules_file=rules_file()))


def first_event(view) -> str:
    """The first effective date of the status ledger and the progress ledger (the slider's
    first month); today when both are empty."""
    from landgis.report.figures import Sources

    def build():
        first = Sources(view.store, None, get_views()).first_event()
        return (first or today_vn()).isoformat()
    return view.derived("dashboard_first_event", build)


def answer_of(view, day: str, zone: str | None, lang: str) -> dict:
    """``GET /api/dashboard``'s answer, built once per version, date, zone and language."""
    return view.derived(f"dashboard|{rules_file()}|{day}|{zone}|{lang}",
                        lambda: dashboard_answer(report_of(view, day, zone), as_of=day,
                                                 lang=lang))


def warm(store) -> None:
    """What the dashboard's first visitor asks, built ahead (in the app's context, by the
    warm-up thread after a data change): today's figures for every zone, in Vietnamese, and
    the slider's first month."""
    view = get_views().current(store)
    first_event(view)
    answer_of(view, today_vn().isoformat(), None, "vi")


@bp.get("/api/dashboard")
def api_dashboard():
    view = current_view()
    day, zone = query(view)
    lang = _lang()
    return _revalidated(view, lambda: answer_of(view, day, zone, lang), day, zone, lang)


@bp.get("/dashboard")
def page():
    view = current_view()
    day, zone = query(view)
    names = zones_of(view)
    zones = [{"code": c, "name": names.get(c, "")}
             for c in sorted(answers.known_zones(book_of(view), names))]
    user = current_user if current_user.is_authenticated else None
    html = render_template("dashboard.html", user=user, as_of=day, zone=zone, zones=zones,
                           first=first_event(view), today=today_vn().isoformat(),
                           lang=_lang(), error=None)
    return html, 200, {"Cache-Control": "no-store"}


def _files(manifest_dir: Path, fmt: str) -> tuple[bytes, str]:
    if fmt != "zip":
        name = FORMATS[fmt]
        return (manifest_dir / name).read_bytes(), name
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(manifest_dir.iterdir()):
            if path.is_file():
                zf.write(path, path.name)
    return buffer.getvalue(), "bao_cao.zip"


@bp.get("/report/download")
def download():
    """The report of ``period`` (``2019-H1`` …) written by the same core as the script, one
    file (docx, xlsx, pdf) or all of them with the manifest (zip)."""
    view = current_view()
    _, zone = query(view)
    lang = _lang()
    fmt = request.args.get("format") or "zip"
    if fmt not in FORMATS:
        raise BadRequest(f"format: định dạng không rõ / unknown format {fmt!r}: "
                         f"{', '.join(FORMATS)}")
    period = (request.args.get("period") or "").strip()
    if not period or len(period) > 40:
        raise BadRequest("period: cần kỳ báo cáo / a period is required (2019-H1, 2019-Q3, "
                         "2019, FROM:TO)")
    if not _WRITING.acquire(blocking=False):
        response = jsonify(error="đang lập một báo cáo khác, hãy thử lại sau ít phút / another "
                                 "report is being written; try again in a minute")
        response.status_code = 429
        response.headers["Retry-After"] = "30"
        return response
    try:
        from landgis.report.write import write_report  # the report's files (issue 14)

        with tempfile.TemporaryDirectory(prefix="landgis-report-") as tmp:
            out = Path(tmp) / "bao_cao"
            write_report(view.store, period, zone=zone, lang=lang, out_dir=out, force=True,
                         settings=current_app.config["LANDGIS"])
            data, name = _files(out, fmt)
    finally:
        _WRITING.release()
    stem = f"bao_cao_{period.replace(':', '_')}{'_' + zone if zone else ''}_{lang}"
    current_app.logger.info("report %s %s %s %s written at %s", period, zone, lang, fmt,
                            dt.datetime.now().isoformat(timespec="seconds"))
    return send_file(io.BytesIO(data), mimetype=MIMETYPES[fmt], as_attachment=True,
                     download_name=stem + "." + name.rsplit(".", 1)[1],
                     max_age=0)
