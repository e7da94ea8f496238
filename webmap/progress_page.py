"""The progress page: the three tables as of a date, each subject's history, and for editors
the form that records an event (``static/progress.js`` previews and saves it through
``POST /api/progress/events``).

    GET /progress[?as_of=…&zone=…]                 the tables (Vietnamese first)
    GET /progress/history/<subject_kind>/<id>       one project's, investment's or lot's events

Rendered on the server from the same answers as the JSON API (:mod:`webmap.progress`); every
value from the data goes through Jinja's escaping. A bad date or zone answers 400 and an unknown
subject 404, in JSON as every error of the app.
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template, request
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from landgis.dates import display_date
from landgis.money import format_vnd
from landgis.params import BadRequest, NotFound
from landgis.progress import answers
from landgis.vocabularies import PROGRESS_KIND
from webmap.progress import book_of, current_view, history, query, tables, zones_of

bp = Blueprint("progress_page", __name__)

#: the history page of each subject kind: the path part and the API path
SUBJECT_PATHS = {"project": "projects", "investment": "investments", "lot": "auctions"}


@bp.errorhandler(BadRequest)
def _bad_request(exc):  # as every error of the app: JSON (a date input sends ISO dates)
    return jsonify(error=str(exc)), 400


@bp.errorhandler(NotFound)
def _not_found(exc):
    return jsonify(error=str(exc)), 404


def _percent(value) -> str:
    return "" if value is None else f"{value:.1f}".replace(".", ",") + " %"


def _zones(book, names: dict) -> list[dict]:
    return [{"code": c, "name": names.get(c, "")}
            for c in sorted(answers.known_zones(book, names))]


def _render(template: str, **context):
    user = current_user if current_user.is_authenticated else None
    html = render_template(template, vnd=format_vnd, day=display_date, pct=_percent,
                           user=user, labels=answers.labels(),
                           subject_paths=SUBJECT_PATHS, **context)
    return html, 200, {"Cache-Control": "no-store"}  # per user: the editors' form


def _recorded(book, event_id: str | None):
    """The event just recorded (the page after a save names it), None when none."""
    if not event_id:
        return None
    ev = book.events[book.events["event_id"].astype(str) == event_id]
    if ev.empty:
        return None
    row = ev.iloc[0]
    kind = str(row["kind"])
    return {"event_id": event_id, "subject_kind": row["subject_kind"],
            "subject_id": row["subject_id"], "date": row["effective_date"],
            "kind_vi": PROGRESS_KIND.label(kind) if kind in PROGRESS_KIND else kind,
            "kind_en": PROGRESS_KIND.label(kind, "en") if kind in PROGRESS_KIND else kind}


@bp.get("/progress")
def page():
    view = current_view()
    book = book_of(view)
    day, zone = query(view)
    editor = bool(current_user.is_authenticated and current_user.can("editor"))
    return _render(
        "progress.html", error=None, as_of=day, zone=zone,
        zones=_zones(book, zones_of(view)), tables=tables(view, day, zone), editor=editor,
        spec=answers.form_spec() if editor else None,
        subjects=answers.subjects(book) if editor else [],
        csrf=generate_csrf() if editor else "",
        recorded=_recorded(book, request.args.get("recorded")),
        min_date=current_app.config["LANDGIS"].min_effective_date)


@bp.get("/progress/history/<any(project, investment, lot):subject_kind>/<subject_id>")
def history_page(subject_kind: str, subject_id: str):
    answer = history(current_view(), subject_kind, subject_id)
    return _render("progress_history.html", answer=answer, error=None,
                   subject_kind=subject_kind)
