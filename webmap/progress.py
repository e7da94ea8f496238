"""Progress of projects, investors and auction lots: the JSON API and the editors' events.

    GET  /api/projects | /api/investments | /api/auctions   [?as_of=dd/mm/yyyy|ISO] [&zone=Z]
    GET  /api/projects/<code>/history | /api/investments/<id>/history | /api/auctions/<lot>/history
    POST /api/progress/events    (editor; JSON: one event, "version" seen, "preview": true)

The views read the :class:`~landgis.progress.ProgressBook` the app keeps per store version
(:meth:`landgis.dataview.DataView.progress_book`, with the ``schedule_rules`` setting) and call
:mod:`landgis.progress.answers`. The tables and histories are revalidated by ETag (the store
version, the rules file, the date and zone asked). The page is :mod:`webmap.progress_page`.
"""

from __future__ import annotations

import hashlib

from flask import Blueprint, Response, current_app, jsonify, request
from flask_login import current_user

from landgis.params import BadRequest, NotFound
from landgis.progress import ProgressError, RulesError, as_of_date
from landgis.progress import answers
from landgis.store.errors import ConflictError, LedgerError
from webmap.auth import role_required
from webmap.data import get_store, get_views
from webmap.guards import json_body, same_origin_only

bp = Blueprint("progress", __name__)

#: the path of each subject kind's history, and the kind
HISTORY_PATHS = {"projects": "project", "investments": "investment", "auctions": "lot"}
CONFLICT_VI = ("có người vừa ghi sự kiện khác cho đối tượng này, hãy tải lại / someone "
               "recorded an event of this subject meanwhile; reload its history and try again")


@bp.errorhandler(BadRequest)
def _bad_request(exc):
    return jsonify(error=str(exc)), 400


@bp.errorhandler(NotFound)
def _not_found(exc):
    return jsonify(error=str(exc)), 404


@bp.errorhandler(ProgressError)
def _refused(exc: ProgressError):
    rows = answers.problem_rows(exc.problems)
    shown = "; ".join(r["message"] for r in rows[:3])
    more = f" (+{len(rows) - 3})" if len(rows) > 3 else ""
    return jsonify(error=f"không ghi được / not recorded: {shown}{more}", problems=rows), 400


@bp.errorhandler(ConflictError)
def _conflict(exc: ConflictError):
    return jsonify(error=f"xung đột / conflict: {CONFLICT_VI}", conflicts=exc.conflicts), 409


@bp.errorhandler(LedgerError)
def _ledger(exc: LedgerError):
    return jsonify(error=f"không ghi được / not recorded: {exc}"), 400


@bp.errorhandler(RulesError)
def _rules(exc: RulesError):
    current_app.logger.error("schedule rules: %s", exc)
    return jsonify(error=f"quy tắc tiến độ không dùng được / the schedule rules cannot be "
                         f"used (setting schedule_rules): {exc}"), 503


def current_view():
    """The view of the store at its version now (one version for the whole answer)."""
    return get_views().current(get_store())


def rules_file() -> str | None:
    """The schedule rules the investments are judged by (the ``schedule_rules`` setting)."""
    return current_app.config["LANDGIS"].schedule_rules


def book_of(view):
    """The progress book of ``view``'s version, kept by the app's views."""
    return view.progress_book(rules_file())


def zones_of(view) -> dict[str, str]:
    """The zones layer's codes and names at ``view``'s version."""
    return view.derived("progress_zones", lambda: answers.zone_names(view.store))


def query(view) -> tuple[str, str | None]:
    """The request's ``as_of`` (ISO; today when none) and ``zone``, checked (400)."""
    return answers.parse_query(book_of(view), request.args.get("as_of"),
                               request.args.get("zone"), zones_of(view))


def tables(view, day: str, zone: str | None) -> dict:
    """The five progress tables of ``day`` and ``zone`` as JSON rows, built once per store
    version and rules file."""
    book = book_of(view)
    return view.derived(f"progress_tables|{rules_file()}|{day}|{zone}",
                        lambda: answers.json_tables(book, day, zone))


def _revalidated(view, build, *parts) -> Response:
    """``build()`` as JSON with an ETag of the store version, the rules file and ``parts``;
    304 when the client holds it."""
    key = "|".join(map(str, (view.url, view.version, rules_file(), request.path, *parts)))
    etag = hashlib.sha256(key.encode()).hexdigest()[:32]
    if request.if_none_match.contains_weak(etag):
        response = Response(status=304)
    else:
        response = jsonify(build())
    response.set_etag(etag)
    response.headers["Cache-Control"] = "no-cache"  # revalidate: an edit changes it any time
    return response


def _table(name: str):
    view = current_view()
    day, zone = query(view)
    return _revalidated(view, lambda: answers.table_answer(tables(view, day, zone), name, day,
                                                           zone), day, zone)


@bp.get("/api/projects")
def projects():
    return _table("projects")


@bp.get("/api/investments")
def investments():
    return _table("investments")


@bp.get("/api/auctions")
def auctions():
    return _table("auctions")


def history(view, subject_kind: str, subject_id: str) -> dict:
    """:func:`landgis.progress.answers.history_answer`, built once per store version, rules
    file and day (its milestones are late as of today)."""
    book = book_of(view)
    day = as_of_date(None)
    return view.derived(f"progress_history|{rules_file()}|{day}|{subject_kind}|{subject_id}",
                        lambda: answers.history_answer(book, subject_kind, subject_id))


@bp.get("/api/<any(projects, investments, auctions):table>/<subject_id>/history")
def subject_history(table: str, subject_id: str):
    view = current_view()
    kind = HISTORY_PATHS[table]
    answers.subject_row(book_of(view), kind, subject_id)  # NotFound: 404, no ETag
    return _revalidated(view, lambda: history(view, kind, subject_id), as_of_date(None))


@bp.post("/api/progress/events")
@role_required("editor")
@same_origin_only
def record_event():
    """One event: previewed (200) or recorded (201); 400 with the problems, 409 when the
    subject's version moved since the editor saw it."""
    doc = json_body()
    book = book_of(current_view())
    recorded, answer = answers.record_event(
        get_store(), doc, user=current_user.id, book=book,
        min_date=current_app.config["LANDGIS"].min_effective_date)
    response = jsonify(answer)
    response.status_code = 201 if recorded else 200
    response.headers["Cache-Control"] = "no-store"
    return response
