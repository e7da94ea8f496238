"""Recording progress events: every check first, then one transaction, or nothing at all.

:func:`check_progress` returns every problem of a set of new events against the registers and
the ledger (the import report lists them all); :func:`record_progress` checks, stamps the
events (id, who, when), derives the parcels' ``auction_status`` events from auction results,
and appends both in one transaction of the store, or raises :class:`ProgressError` and writes
nothing.

What is refused (each message names the row, the subject and what is wrong):

- an unknown subject (a payment for a lot the register does not hold) or an event kind the
  subject cannot have;
- a date in the future (``effective_date``: the day it happened; plans take ``planned_date``),
  before ``min_date``, or before the decision it depends on (a disbursement before the approval
  of the total investment, an investor's event before its certificate, a payment before the
  auction);
- a milestone reached that was never planned, or reached before the day it was planned;
- a disbursement that takes the year's total above the year's capital plan, unless the row is
  flagged ``over_plan``: then it is recorded and reported;
- missing amounts, dates, milestones or results, and corrections naming no event of the subject.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from landgis import contract
from landgis.contract import Problem
from landgis.dates import display_date, today_vn
from landgis.money import format_vnd
from landgis.progress.book import EVENT_COLUMNS, ProgressBook, _split
from landgis.store.base import Batch
from landgis.vocabularies import (
    AUCTION_RESULT,
    CAPITAL_SOURCE,
    INVESTMENT_MILESTONES,
    MILESTONE,
    PROGRESS_KIND,
    PROGRESS_KINDS_OF,
    PROGRESS_SUBJECT,
    PROJECT_MILESTONES,
)

LAYER = contract.PROGRESS_EVENTS.name
_NEEDS = {
    "investment_approved": ("amount_vnd",),
    "capital_plan": ("year", "source", "amount_vnd"),
    "disbursement": ("amount_vnd",),
    "milestone_planned": ("milestone", "planned_date"),
    "milestone_replanned": ("milestone", "planned_date"),
    "milestone_reached": ("milestone",),
    "extension": ("milestone", "planned_date"),
    "capital_contributed": ("amount_vnd",),
    "auction_result": ("result",),
    "payment_due": ("planned_date", "amount_vnd"),
    "payment": ("amount_vnd",),
}
_FIELD_VI = {"amount_vnd": "số tiền", "year": "năm kế hoạch", "source": "nguồn vốn",
             "milestone": "mốc", "planned_date": "ngày kế hoạch", "result": "kết quả",
             "party": "người trúng đấu giá", "document_no": "số văn bản"}


class ProgressError(ValueError):
    """New progress events refused; ``problems`` lists every reason, nothing was written."""

    def __init__(self, problems: list[Problem], source: str | None = None):
        self.problems = list(problems)
        self.source = source
        head = f"{source}: " if source else ""
        shown = "\n".join(f"  - {p}" for p in self.problems[:50])
        more = len(self.problems) - 50
        tail = f"\n  … {more} more" if more > 0 else ""
        super().__init__(f"{head}{len(self.problems)} problem(s), nothing recorded:\n"
                         f"{shown}{tail}")


@dataclass
class RecordResult:
    """What was recorded: events by kind, the parcels' status events, the over-plan warnings."""

    events: pd.DataFrame
    status_events: pd.DataFrame
    warnings: list[str] = field(default_factory=list)
    batch_id: int | None = None

    @property
    def counts(self) -> dict[str, int]:
        return self.events["kind"].value_counts().to_dict() if len(self.events) else {}


def _blank(value) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value)) or \
        (isinstance(value, str) and not value.strip()) or value is pd.NA or value is pd.NaT


def _row_name(row, i) -> str:
    label = row.get("source_row")
    return f"row {label}" if not _blank(label) else f"event {i + 1}"


def normalise(events: pd.DataFrame) -> pd.DataFrame:
    """The contract's columns, in order (plus ``source_row`` when given), codes as text."""
    df = pd.DataFrame(events).copy().reset_index(drop=True)
    for c in EVENT_COLUMNS:
        if c not in df.columns:
            df[c] = None
    for c in ("amount_vnd", "base_vnd", "year"):
        df[c] = df[c].astype(object).where(df[c].notna(), None)
    keep = list(EVENT_COLUMNS) + (["source_row"] if "source_row" in df.columns else [])
    return df[keep]


def check_progress(events: pd.DataFrame, book: ProgressBook, *, today: str | None = None,
                   min_date: str | None = None) -> tuple[list[Problem], list[str]]:
    """Problems of new ``events`` (normalised) against ``book``; and the warnings (over-plan
    disbursements flagged on purpose) that recording them would report."""
    today = today or today_vn().isoformat()
    problems: list[Problem] = []
    warnings: list[str] = []
    registers = {
        "project": set(book.projects_register["project_code"].astype(str)),
        "investment": set(book.investments_register["investment_id"].astype(str)),
        "lot": set(book.lots_register["lot_code"].astype(str)),
    }
    inv = book.investments_register.set_index("investment_id")
    old = book._active
    new = events.drop(columns="source_row", errors="ignore").astype(object)
    combined = pd.concat([old.astype(object), new] if len(old) else [new], ignore_index=True)
    combined = combined.sort_values(["effective_date"], kind="stable")
    seen_ids = set(book.events["event_id"].astype(str))
    new_ids: set[str] = set()

    def add(i, row, message, column=None):
        problems.append(Problem(LAYER, f"{_row_name(row, i)}: {message}", column=column,
                                row=row.get("subject_id")))

    def plan_of(kind_subject, subject, kinds, milestone):
        ev = combined[(combined["subject_kind"] == kind_subject)
                      & (combined["subject_id"] == subject) & combined["kind"].isin(kinds)
                      & (combined["milestone"] == milestone)]
        return ev["effective_date"].dropna().min() if len(ev) else None

    for i, row in events.iterrows():
        subject_kind, subject, kind = row["subject_kind"], row["subject_id"], row["kind"]
        eid = row["event_id"]
        if not _blank(eid):
            if str(eid) in seen_ids or str(eid) in new_ids:
                add(i, row, f"event id {eid!r} is already in the ledger", "event_id")
            new_ids.add(str(eid))
        if subject_kind not in PROGRESS_SUBJECT:
            add(i, row, f"{subject_kind!r} is not a subject ({', '.join(PROGRESS_SUBJECT.codes)})",
                "subject_kind")
            continue
        what = PROGRESS_SUBJECT.label(subject_kind)
        if _blank(subject) or str(subject) not in registers[subject_kind]:
            add(i, row, f"{what} {subject!r} is not in the register "
                        f"({contract.INVESTMENTS.name if subject_kind == 'investment' else contract.AUCTION_LOTS.name if subject_kind == 'lot' else contract.PROJECTS.name})",
                "subject_id")
            continue
        if kind not in PROGRESS_KIND or kind not in PROGRESS_KINDS_OF[subject_kind]:
            allowed = ", ".join(PROGRESS_KINDS_OF[subject_kind])
            add(i, row, f"{kind!r} is not an event of a {PROGRESS_SUBJECT.label(subject_kind, 'en')}"
                        f" ({allowed})", "kind")
            continue
        day = row["effective_date"]
        if _blank(day):
            add(i, row, "no date", "effective_date")
            continue
        if day > today:
            add(i, row, f"the date {display_date(day)} is in the future (today is "
                        f"{display_date(today)}); plans take a planned date", "effective_date")
        if min_date and day < min_date:
            add(i, row, f"the date {display_date(day)} is before {display_date(min_date)}",
                "effective_date")
        if _blank(row["document_no"]):
            add(i, row, "no document number (số văn bản)", "document_no")
        for column in _NEEDS.get(kind, ()):
            if _blank(row[column]):
                add(i, row, f"a {PROGRESS_KIND.label(kind, 'en')} needs "
                            f"{_FIELD_VI.get(column, column)} ({column})", column)
        amount = row["amount_vnd"]
        if not _blank(amount) and int(amount) <= 0 and kind != "capital_plan":
            add(i, row, f"the amount {format_vnd(amount)} đồng is not positive", "amount_vnd")
        milestone = row["milestone"]
        if not _blank(milestone):
            allowed = PROJECT_MILESTONES if subject_kind == "project" else INVESTMENT_MILESTONES
            if milestone not in allowed:
                add(i, row, f"{milestone!r} is not a milestone of a "
                            f"{PROGRESS_SUBJECT.label(subject_kind, 'en')} "
                            f"({', '.join(allowed)})", "milestone")
                continue
        if not _blank(row["source"]) and row["source"] not in CAPITAL_SOURCE:
            add(i, row, f"{row['source']!r} is not a capital source "
                        f"({', '.join(CAPITAL_SOURCE.codes)})", "source")
        if not _blank(row["result"]) and row["result"] not in AUCTION_RESULT:
            add(i, row, f"{row['result']!r} is not an auction result (sold, unsold)", "result")
        target = row["corrects_event_id"]
        if not _blank(target):
            mine = book.events[(book.events["event_id"].astype(str) == str(target))]
            if mine.empty or mine["subject_id"].iloc[0] != subject:
                add(i, row, f"corrects event {target!r}, which is not an event of {subject}",
                    "corrects_event_id")

        # the decision an event depends on
        if subject_kind == "project" and kind in ("disbursement", "milestone_reached") \
                and milestone not in ("policy", "feasibility"):
            approvals = combined[(combined["subject_kind"] == "project")
                                 & (combined["subject_id"] == subject)
                                 & (combined["kind"] == "investment_approved")]
            if kind == "disbursement" and approvals.empty:
                add(i, row, f"project {subject} has no approved total investment "
                            "(investment_approved) to disburse against", "kind")
            elif len(approvals) and day < approvals["effective_date"].min():
                first = approvals.iloc[0]
                add(i, row, f"the date {display_date(day)} is before the decision approving "
                            f"project {subject} ({first['document_no']}, "
                            f"{display_date(first['effective_date'])})", "effective_date")
        if subject_kind == "investment":
            cert = str(inv.loc[subject, "certificate_date"])[:10]
            if day < cert:
                add(i, row, f"the date {display_date(day)} is before the certificate of "
                            f"investment {subject} ({inv.loc[subject, 'certificate_no']}, "
                            f"{display_date(cert)})", "effective_date")
        if subject_kind == "lot" and kind in ("payment", "payment_due"):
            results = combined[(combined["subject_kind"] == "lot")
                               & (combined["subject_id"] == subject)
                               & (combined["kind"] == "auction_result")]
            sold = results[results["result"] == "sold"]
            if sold.empty:
                add(i, row, f"lot {subject} has no auction won to be paid for", "subject_id")
            else:
                when = sold["effective_date"].min()
                if kind == "payment" and day < when:
                    add(i, row, f"the payment of {display_date(day)} is before the auction of "
                                f"lot {subject} ({display_date(when)})", "effective_date")
        if kind == "auction_result" and row["result"] == "sold":
            if _blank(row["party"]):
                add(i, row, "a lot sold needs its winner (party)", "party")
            if _blank(amount):
                add(i, row, "a lot sold needs its winning price (amount_vnd)", "amount_vnd")
            base = row["base_vnd"]
            if not _blank(base) and not _blank(amount) and int(amount) < int(base):
                add(i, row, f"the winning price {format_vnd(amount)} is below the starting "
                            f"price {format_vnd(base)}", "amount_vnd")

        # milestones reached: planned first
        if kind == "milestone_reached" and not _blank(milestone):
            if subject_kind == "project":
                planned_on = plan_of("project", subject,
                                     ("milestone_planned", "milestone_replanned"), milestone)
            else:
                committed = inv.loc[subject, f"{milestone}_due"]
                planned_on = str(inv.loc[subject, "certificate_date"])[:10] \
                    if not _blank(committed) else plan_of("investment", subject, ("extension",),
                                                          milestone)
            label = MILESTONE.label(milestone)
            if planned_on is None:
                add(i, row, f"milestone {milestone!r} ({label}) of {subject} was never planned",
                    "milestone")
            elif day < planned_on:
                add(i, row, f"milestone {milestone!r} ({label}) of {subject} is reached on "
                            f"{display_date(day)}, before it was planned on "
                            f"{display_date(planned_on)}", "effective_date")

    # disbursements above the year's plan: in date order, the one that takes the year's total
    # above the plan and every later one need the flag (every new one of the year, if the
    # total went above it at a recorded disbursement that is not flagged)
    new_pay = events[(events["kind"] == "disbursement") & (events["subject_kind"] == "project")]
    if len(new_pay):
        offset = len(old)  # the new events' labels in ``combined``
        pays = combined[(combined["subject_kind"] == "project")
                        & (combined["kind"] == "disbursement")]
        plans = combined[(combined["subject_kind"] == "project")
                         & (combined["kind"] == "capital_plan")]
        plans = plans.sort_values(["effective_date", "recorded_at"], na_position="last")
        for (subject, year), rows in new_pay.groupby(
                [new_pay["subject_id"], new_pay["effective_date"].astype(str).str[:4]]):
            mine_pays = pays[(pays["subject_id"] == subject)
                             & (pays["effective_date"].astype(str).str[:4] == year)]
            cum = pd.to_numeric(mine_pays["amount_vnd"], errors="coerce").fillna(0).cumsum()
            mine = plans[(plans["subject_id"] == subject)
                         & (pd.to_numeric(plans["year"], errors="coerce") == int(year))]
            plan = pd.to_numeric(mine.groupby("source").tail(1)["amount_vnd"],
                                 errors="coerce").sum()
            over = (cum > plan).to_numpy()
            if not over.any():
                continue
            paid = cum.iloc[-1]
            first = int(np.argmax(over))
            labels = mine_pays.index.to_numpy()
            new_labels = set(rows.index + offset)
            marked = mine_pays["flags"].fillna("").astype(str).str.contains("over_plan")
            recorded_over = any(lb not in new_labels and not m
                                for lb, m in zip(labels[first:], marked.to_numpy()[first:]))
            need = rows.loc[[lb - offset for lb in (labels if recorded_over else labels[first:])
                             if lb in new_labels]]
            if need.empty:
                continue
            flagged = need["flags"].fillna("").astype(str).str.contains("over_plan")
            names = ", ".join(_row_name(r, i) for i, r in need[~flagged].iterrows())
            text = (f"project {subject}: disbursed {format_vnd(paid)} đồng in {year}, above the "
                    f"year's capital plan of {format_vnd(plan)} đồng")
            if (~flagged).any():
                problems.append(Problem(LAYER, f"{names}: {text}; flag the disbursement "
                                               "over_plan (vượt kế hoạch) to record it anyway",
                                        column="amount_vnd", row=subject))
            else:
                warnings.append(f"{text} (recorded as flagged over_plan)")
    return problems, warnings


def status_events_for(events: pd.DataFrame, book: ProgressBook, *, user: str,
                      recorded_at: str) -> pd.DataFrame:
    """The ``auction_status`` events (sold / unsold) of the parcels of every lot whose auction
    result is among ``events``: same date and document, pointing at the progress event and
    carrying its note."""
    lots = book.lots_register.set_index("lot_code")
    rows = []
    for _, ev in events[events["kind"] == "auction_result"].iterrows():
        for parcel in _split(lots.loc[ev["subject_id"], "parcel_ids"]):
            rows.append({
                "event_id": f"{ev['event_id']}:{parcel}", "parcel_id": parcel,
                "field": "auction_status", "value": ev["result"],
                "effective_date": ev["effective_date"], "document_no": ev["document_no"],
                "document_date": ev["document_date"],
                "note": f"lô {ev['subject_id']} (progress event {ev['event_id']})"
                        + ("" if _blank(ev["note"]) else f": {ev['note']}"),
                "recorded_by": user, "recorded_at": recorded_at,
            })
    return pd.DataFrame(rows, columns=[c for c in contract.STATUS_EVENTS.column_names
                                       if c != "corrects_event_id"])


def record_progress(store, events: pd.DataFrame, *, user: str, book: ProgressBook | None = None,
                    source_name: str | None = None, expect=None, today: str | None = None,
                    min_date: str | None = None, dry_run: bool = False) -> RecordResult:
    """Check ``events`` and append them (and the status events of auction results) to the
    store in one transaction; :class:`ProgressError` listing every problem otherwise.

    ``expect`` ({(subject_kind, subject_id): number of events seen}) makes the store refuse,
    with :class:`~landgis.store.errors.ConflictError`, an edit made on a stale view.
    With ``dry_run`` everything is checked and nothing written (the preview)."""
    from landgis.progress import load_book

    book = book or load_book(store)
    df = normalise(events)
    problems, warnings = check_progress(df, book, today=today, min_date=min_date)
    if problems:
        raise ProgressError(problems, source_name)
    now = dt.datetime.now(dt.timezone.utc).astimezone().isoformat(timespec="seconds")
    df["event_id"] = [e if not _blank(e) else f"pe-{uuid.uuid4().hex[:20]}"
                      for e in df["event_id"]]
    df["recorded_by"] = user
    df["recorded_at"] = now
    status = status_events_for(df, book, user=user, recorded_at=now)
    df = df.drop(columns="source_row", errors="ignore")
    result = RecordResult(df, status, warnings)
    if dry_run:
        return result
    batch = Batch(source_name=source_name or "progress", user=user,
                  counts={"events": len(df), "status_events": len(status)},
                  note="; ".join(warnings) or None) if source_name else None
    result.batch_id = store.append_progress(df, status_events=status, batch=batch,
                                            expect=expect)
    return result
