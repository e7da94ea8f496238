"""The progress tables, histories and editors' events as the JSON API and the progress page
give and take them: plain dicts in and out, the same figures as ``progress.py``.

- :func:`table_answer`: ``/api/projects``, ``/api/investments``, ``/api/auctions`` as of a
  date and for a zone (:func:`landgis.progress.progress_tables`), money in whole đồng.
- :func:`history_answer`: every event of one subject, corrected ones marked, with the labels
  of its codes in both languages and the subject's ``version`` (its number of events: what an
  editor sends back so that an edit made on a stale view is refused).
- :func:`record_event`: one event written by an editor (dates day first, amounts as the
  Board writes them: ``1,2 tỷ``), previewed or recorded by :func:`record_progress`.

Bad parameters raise :class:`~landgis.params.BadRequest`, unknown subjects
:class:`~landgis.params.NotFound`, events refused :class:`ProgressError` (its ``problems``
name the field), stale versions :class:`~landgis.store.errors.ConflictError`.
"""

from __future__ import annotations

import pandas as pd

from landgis.contract import Problem
from landgis.dates import DateError, iso_date
from landgis.money import AmountError, parse_vnd
from landgis.params import BadRequest, NotFound, parse_date
from landgis.progress.book import ProgressBook, as_of_date, investment_milestones
from landgis.progress.record import _NEEDS, LAYER, ProgressError, record_progress
from landgis.progress.tables import json_records, progress_tables
from landgis.store.errors import ConflictError
from landgis.vocabularies import (
    APPROVAL_KIND,
    AUCTION_RESULT,
    CAPITAL_SOURCE,
    INVESTMENT_MILESTONES,
    MILESTONE,
    PROGRESS_KIND,
    PROGRESS_KINDS_OF,
    PROGRESS_SUBJECT,
    PROJECT_MILESTONES,
    SCHEDULE_STATE,
)

#: the tables each path answers, and what else it carries
TABLES = {"projects": (), "investments": (),
          "auctions": ("revenue_by_zone", "revenue_by_project")}
#: the register of each subject kind, its key and the column that names a subject
REGISTERS = {"project": ("projects_register", "project_code", "name_vi"),
             "investment": ("investments_register", "investment_id", "project_name"),
             "lot": ("lots_register", "lot_code", "name_vi")}
#: the vocabularies whose codes the answers carry, by the member that holds the code
VOCABULARIES = {"kind": PROGRESS_KIND, "milestone": MILESTONE, "source": CAPITAL_SOURCE,
                "result": AUCTION_RESULT, "state": SCHEDULE_STATE,
                "approval_kind": APPROVAL_KIND, "subject_kind": PROGRESS_SUBJECT}
#: the longest text accepted in a member of an event (the note may be longer)
MAX_TEXT = 300
MAX_NOTE = 2000


def labels() -> dict:
    """``{vocabulary: {code: {"vi": …, "en": …}}}`` of the codes the answers carry."""
    return {name: {code: {"vi": vi, "en": en} for code, (vi, en) in vocab.labels.items()}
            for name, vocab in VOCABULARIES.items()}


def zone_names(store) -> dict[str, str]:
    """The zones layer's codes and Vietnamese names (empty when the store has none)."""
    from landgis.progress import read_or_empty

    zones = read_or_empty(store, "zones")
    names = zones["name_vi"] if "name_vi" in zones.columns else [None] * len(zones)
    return {str(c): (n if isinstance(n, str) else "") for c, n in zip(zones["zone_code"], names)
            if isinstance(c, str)}


def known_zones(book: ProgressBook, zones=()) -> set[str]:
    """The zones of the zones layer (``zones``: codes) and of the registers."""
    codes = {str(z) for z in zones}
    for df in (book.projects_register, book.investments_register, book.lots_register):
        if "zone_code" in df.columns:
            codes |= set(df["zone_code"].dropna().astype(str))
    return codes


def parse_query(book: ProgressBook, as_of=None, zone=None, zones=()) -> tuple[str, str | None]:
    """``(ISO date, zone or None)`` of a query; BadRequest naming what is wrong. ``zones``:
    the zones layer's codes (:func:`zone_names`), besides those of the registers."""
    day = as_of_date(parse_date(as_of or None, "as_of"))
    zone = (zone or "").strip() or None
    if zone is not None:
        known = known_zones(book, zones)
        if zone not in known:
            raise BadRequest(f"zone: khu không rõ / unknown zone {zone!r}; zones: "
                             f"{', '.join(sorted(known))}")
    return day, zone


def table_answer(tables: dict, name: str, day: str, zone: str | None) -> dict:
    """The answer of ``/api/<name>`` (projects, investments, auctions) from the
    :func:`json_tables` of ``day`` and ``zone``."""
    if name not in TABLES:
        raise NotFound(f"no progress table {name!r} ({', '.join(TABLES)})")
    return {"as_of": day, "zone": zone, "rows": tables[name],
            **{extra: tables[extra] for extra in TABLES[name]}}


def json_tables(book: ProgressBook, day: str, zone: str | None = None) -> dict:
    """The five tables of :func:`progress_tables` as JSON rows (money whole đồng); the
    investments' rows carry ``state_label_en`` beside ``state_label_vi`` and their flags with
    the article each cites (``flag_details``)."""
    tables = {name: json_records(df)
              for name, df in progress_tables(book, as_of=day, zone=zone).items()}
    for row in tables["investments"]:
        row["state_label_en"] = SCHEDULE_STATE.label(row["state"], "en")
    return tables


# ----------------------------------------------------------------------- histories

def subject_row(book: ProgressBook, subject_kind: str, subject_id: str) -> dict:
    """The register row of a subject; NotFound when the register does not hold it."""
    if subject_kind not in REGISTERS:
        raise NotFound(f"{subject_kind!r} is not a subject ({', '.join(REGISTERS)})")
    attr, key, _name = REGISTERS[subject_kind]
    reg = getattr(book, attr)
    found = reg[reg[key].astype(str) == str(subject_id)]
    if found.empty:
        raise NotFound(f"không tìm thấy / not found: {PROGRESS_SUBJECT.label(subject_kind)} "
                       f"/ {PROGRESS_SUBJECT.label(subject_kind, 'en')} {subject_id!r}")
    return json_records(found.head(1))[0]


def _registered(book: ProgressBook, subject_kind, subject_id) -> bool:
    try:
        subject_row(book, subject_kind, subject_id)
    except NotFound:
        return False
    return True


def version_of(book: ProgressBook, subject_kind: str, subject_id: str) -> int:
    """How many events the ledger holds for a subject (corrected ones included)."""
    ev = book.events
    return int(((ev["subject_kind"] == subject_kind)
                & (ev["subject_id"].astype(str) == str(subject_id))).sum())


def versions(book: ProgressBook) -> dict[tuple[str, str], int]:
    """:func:`version_of` of every subject that has events."""
    ev = book.events
    if ev.empty:
        return {}
    counts = ev.groupby([ev["subject_kind"].astype(str), ev["subject_id"].astype(str)]).size()
    return {key: int(n) for key, n in counts.items()}


def labelled(rows: list[dict]) -> list[dict]:
    """Rows of events with ``<code>_vi`` / ``<code>_en`` beside each coded member."""
    for row in rows:
        for member in ("kind", "milestone", "source", "result"):
            code = row.get(member)
            vocab = VOCABULARIES[member]
            known = code in vocab
            row[f"{member}_vi"] = vocab.label(code) if known else None
            row[f"{member}_en"] = vocab.label(code, "en") if known else None
        row["over_plan"] = "over_plan" in str(row.get("flags") or "")
        if isinstance(row.get("year"), float):  # read as a float beside empty years
            row["year"] = int(row["year"])
    return rows


def history_answer(book: ProgressBook, subject_kind: str, subject_id: str) -> dict:
    """Every event of one subject in the order they take effect, corrected ones marked
    (``corrected``, and ``corrected_by``: the event that voids it)."""
    subject = subject_row(book, subject_kind, subject_id)
    events = book.history(subject_kind, subject_id)
    correcting = book.events[book.events["corrects_event_id"].notna()]
    by = dict(zip(correcting["corrects_event_id"].astype(str),
                  correcting["event_id"].astype(str)))
    rows = labelled(json_records(events))
    for row in rows:
        row["corrected"] = bool(row.get("corrected"))
        row["corrected_by"] = by.get(str(row["event_id"])) if row["corrected"] else None
    answer = {"subject_kind": subject_kind, "subject_id": str(subject_id),
              "subject_vi": PROGRESS_SUBJECT.label(subject_kind),
              "subject_en": PROGRESS_SUBJECT.label(subject_kind, "en"),
              "subject": subject, "version": len(rows), "events": rows}
    day = as_of_date(None)
    if subject_kind == "project":
        answer["milestones"] = book.project_milestones(str(subject_id), day)
    elif subject_kind == "investment":
        table = book.investments(day)
        row = table[table["investment_id"].astype(str) == str(subject_id)]
        answer["milestones"] = investment_milestones(row.iloc[0]) if len(row) else []
    return answer


# ------------------------------------------------------------------ editors' events

#: member of the JSON event -> column of the ledger
MEMBERS = {"subject_kind": "subject_kind", "subject_id": "subject_id", "kind": "kind",
           "date": "effective_date", "amount": "amount_vnd", "year": "year",
           "source": "source", "milestone": "milestone", "planned_date": "planned_date",
           "base": "base_vnd", "party": "party", "result": "result", "over_plan": "flags",
           "document_no": "document_no", "document_date": "document_date", "note": "note",
           "corrects_event_id": "corrects_event_id"}
#: the ledger's names accepted too (what a history answer gives)
ALIASES = {"effective_date": "date", "amount_vnd": "amount", "base_vnd": "base"}
FIELD_OF = {column: member for member, column in MEMBERS.items()}
_CODED = {"subject_kind": PROGRESS_SUBJECT, "kind": PROGRESS_KIND, "source": CAPITAL_SOURCE,
          "milestone": MILESTONE, "result": AUCTION_RESULT}


def _problem(member: str, message: str) -> Problem:
    return Problem(LAYER, message, column=member)


def event_from_json(doc) -> tuple[pd.DataFrame, dict, bool]:
    """``(one-row events frame, expect, preview)`` of an editor's JSON event;
    :class:`ProgressError` listing every member that cannot be read."""
    if not isinstance(doc, dict):
        raise BadRequest("gửi một đối tượng JSON / send one JSON object: the event's members "
                         "and the version seen")
    problems: list[Problem] = []
    doc = dict(doc)
    for alias, member in ALIASES.items():
        if alias in doc:
            if member in doc:
                problems.append(_problem(member, f"{member} và / and {alias}: give one"))
            doc[member] = doc.pop(alias)
    unknown = sorted(set(doc) - set(MEMBERS) - {"version", "preview"})
    if unknown:
        problems.append(_problem(unknown[0], "trường không rõ / unknown member(s): "
                                 + ", ".join(unknown[:10]) + "; members: "
                                 + ", ".join([*MEMBERS, "version", "preview"])))
    row: dict = {}
    for member, column in MEMBERS.items():
        value = doc.get(member)
        try:
            row[column] = _read(member, value)
        except (ValueError, TypeError) as exc:
            problems.append(_problem(member, str(exc)))
            row[column] = None
    preview = doc.get("preview", False)
    if not isinstance(preview, bool):
        problems.append(_problem("preview", "preview: true hoặc false / true or false"))
    version = doc.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 0:
        problems.append(_problem("version", "version: cần số sự kiện đã thấy / the number of "
                                            "events of the subject you saw (a whole number, "
                                            "from its history) is required"))
    if problems:
        raise ProgressError(problems)
    expect = {(row["subject_kind"], row["subject_id"]): version}
    return pd.DataFrame([row]), expect, preview


def _read(member: str, value):
    """One member of the JSON event as the ledger keeps it; ValueError saying why not."""
    if member == "over_plan":
        if value is None:
            return None
        if not isinstance(value, bool):
            raise ValueError("over_plan: true hoặc false / true or false")
        return "over_plan" if value else None
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if member in ("amount", "base"):
        try:
            return parse_vnd(value, member)
        except AmountError as exc:
            raise ValueError(f"số tiền không hợp lệ / not an amount: {exc}") from None
    if member == "year":
        text = str(value).strip()
        if isinstance(value, bool) or not text.isdigit() or not 1900 <= int(text) <= 2200:
            raise ValueError(f"year: {value!r} không phải năm / is not a year (2024)")
        return int(text)
    if not isinstance(value, str):
        raise ValueError(f"{member}: {value!r} cần là chuỗi / must be text")
    text = value.strip()
    if len(text) > (MAX_NOTE if member == "note" else MAX_TEXT):
        raise ValueError(f"{member}: quá dài / too long (at most "
                         f"{MAX_NOTE if member == 'note' else MAX_TEXT} characters)")
    if member in ("date", "planned_date", "document_date"):
        try:
            return iso_date(text, member)
        except DateError as exc:
            raise ValueError(str(exc)) from None
    vocab = _CODED.get(member)
    if vocab is not None:  # a code or a label; what matches nothing is left for the checks
        return vocab.lookup(text) or text
    return text


def problem_rows(problems) -> list[dict]:
    """Problems as the answer lists them: the JSON member each is about (``field``)."""
    out = []
    for p in problems:
        message = p.message
        if message.startswith("event 1: "):  # one event: its number says nothing
            message = message[len("event 1: "):]
        out.append({"field": FIELD_OF.get(p.column, p.column), "message": message})
    return out


def _event_rows(events: pd.DataFrame) -> list[dict]:
    return labelled(json_records(events))


def record_event(store, doc, *, user: str, book: ProgressBook, min_date=None,
                 today: str | None = None) -> tuple[bool, dict]:
    """Preview (``"preview": true``) or record one editor's event; ``(recorded, answer)``.

    The version the editor saw is compared with the ledger before anything else (the preview
    too), then by the store in the transaction that appends: :class:`ConflictError` when
    someone recorded an event of the subject meanwhile."""
    events, expect, preview = event_from_json(doc)
    (kind, sid), seen = next(iter(expect.items()))
    if _registered(book, kind, sid):  # an unknown subject: the checks name it
        now = version_of(book, kind, sid)
        if now != seen:
            raise ConflictError([{"subject_kind": kind, "subject_id": sid, "seen": seen,
                                  "now": now}])
    result = record_progress(store, events, user=user, book=book, expect=expect,
                             min_date=min_date, today=today, dry_run=preview)
    answer = {"preview": preview, "recorded": not preview,
              "events": _event_rows(result.events),
              "status_events": json_records(result.status_events),
              "warnings": list(result.warnings),
              "version": seen if preview else seen + len(result.events)}
    if not preview:
        answer["event_ids"] = [str(e) for e in result.events["event_id"]]
    return not preview, answer


#: what the form shows for each kind besides the common members (the needed ones first)
FORM_FIELDS = {
    "investment_approved": ("amount",),
    "capital_plan": ("year", "source", "amount"),
    "disbursement": ("amount", "over_plan"),
    "milestone_planned": ("milestone", "planned_date"),
    "milestone_replanned": ("milestone", "planned_date"),
    "milestone_reached": ("milestone",),
    "extension": ("milestone", "planned_date"),
    "capital_contributed": ("amount",),
    "auction_result": ("result", "base", "amount", "party"),
    "payment_due": ("planned_date", "amount"),
    "payment": ("amount",),
}
#: the members every event shows, and those the form requires of every event
FORM_COMMON = ("date", "document_no", "document_date", "note", "corrects_event_id")
FORM_REQUIRED = ("date", "document_no", "document_date")


def form_spec() -> dict:
    """What the editors' form offers: each subject's kinds, each kind's required members,
    the milestones of each subject, the capital sources and auction results (codes with
    their labels)."""
    def coded(vocab, codes=None):
        return [{"code": c, "vi": vocab.label(c), "en": vocab.label(c, "en")}
                for c in (codes or vocab.codes)]

    return {
        "kinds": {s: coded(PROGRESS_KIND, PROGRESS_KINDS_OF[s]) for s in PROGRESS_KINDS_OF},
        "needs": {kind: [FIELD_OF[c] for c in columns] for kind, columns in _NEEDS.items()},
        "fields": {kind: list(FORM_FIELDS.get(kind, ())) for kind in PROGRESS_KIND.codes},
        "common": list(FORM_COMMON), "required": list(FORM_REQUIRED),
        "milestones": {"project": coded(MILESTONE, PROJECT_MILESTONES),
                       "investment": coded(MILESTONE, INVESTMENT_MILESTONES)},
        "sources": coded(CAPITAL_SOURCE), "results": coded(AUCTION_RESULT),
    }


def subjects(book: ProgressBook) -> list[dict]:
    """Every subject an editor may record an event of, with its name and version."""
    counts = versions(book)
    out = []
    for kind, (attr, key, name) in REGISTERS.items():
        reg = getattr(book, attr)
        for code, title in zip(reg[key].astype(str), reg[name]):
            out.append({"subject_kind": kind, "subject_id": code,
                        "name": None if pd.isna(title) else str(title),
                        "version": counts.get((kind, code), 0)})
    return out
