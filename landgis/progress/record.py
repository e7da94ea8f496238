"""Recording progress events: every check first, then one transaction, or nothing at all.

:func:`check_progress` returns every problem of a set of new events against the registers and
the ledger (the import report lists them all); :func:`record_progress` checks, stamps the
events (id, who, when), derives the parcels' ``auction_status`` events from auction results,
and appends both in one transaction of the store, or raises :class:`ProgressError` and writes
nothing. Values written by people are read first (:mod:`landgis.progress.values`: dates day
first, amounts such as ``1.234.567.890`` or ``1,2 tỷ``, labels for codes).

What is refused (each message names the row, the subject and what is wrong):

- a value that cannot be read (``abc`` for an amount, ``31/02/2020`` for a date);
- an unknown subject (a payment for a lot the register does not hold) or an event kind the
  subject cannot have; an event id already in the ledger or given twice;
- a date in the future (``effective_date``: the day it happened; plans take ``planned_date``),
  before ``min_date``, or before the decision it depends on (a disbursement before the approval
  of the total investment, an investor's event before its certificate, a payment before the
  auction);
- a milestone reached that was never planned, or reached before the day it was planned;
- a disbursement that takes the year's total above the year's capital plan, unless the row is
  flagged ``over_plan``: then it is recorded and reported;
- missing amounts, dates, milestones, results, document numbers; a lot sold without its winner
  or price, or below its starting price; amounts not positive (a capital plan may be 0);
- a correction naming no event of the same subject, or an auction result corrected by another
  kind of event (the parcels' status follows the result: correct it with a result).

A correction voids the event it names (see :mod:`landgis.progress.book`); the correction of an
auction result also corrects the parcels' status events that result wrote.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from landgis import contract
from landgis.contract import Problem
from landgis.dates import display_date, iso_date, today_vn
from landgis.money import format_vnd
from landgis.progress.book import ProgressBook
from landgis.progress.parcel_status import status_corrected, status_events_for
from landgis.progress.values import LAYER, blank, read_events, row_name
from landgis.store.base import Batch
from landgis.vocabularies import (
    INVESTMENT_MILESTONES,
    MILESTONE,
    PROGRESS_KIND,
    PROGRESS_KINDS_OF,
    PROGRESS_SUBJECT,
    PROJECT_MILESTONES,
)

_blank = blank  # the name registers.py and others import
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
             "milestone": "mốc", "planned_date": "ngày kế hoạch", "result": "kết quả"}
_FIELD_EN = {"amount_vnd": "an amount", "year": "a plan year", "source": "a capital source",
             "milestone": "a milestone", "planned_date": "a planned date", "result": "a result"}
_REGISTER = {"project": contract.PROJECTS.name, "investment": contract.INVESTMENTS.name,
             "lot": contract.AUCTION_LOTS.name}
_OVER_PLAN = "over_plan"


class ProgressError(ValueError):
    """New progress events refused; ``problems`` lists every reason, nothing was written."""

    def __init__(self, problems: list[Problem], source: str | None = None):
        self.problems = list(problems)
        self.source = source
        head = f"{source}: " if source else ""
        shown = "\n".join(f"  - {p}" for p in self.problems[:50])
        more = len(self.problems) - 50
        tail = f"\n  … {more} lỗi nữa / more" if more > 0 else ""
        n = len(self.problems)
        super().__init__(f"{head}{n} lỗi, không ghi gì / {n} problem(s), nothing recorded:\n"
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


def normalise(events: pd.DataFrame) -> pd.DataFrame:
    """The contract's columns, in order (plus ``source_row`` when given), values read
    (:func:`~landgis.progress.values.read_events`; what cannot be read is left as it was)."""
    return read_events(events)[0]


def _a(noun: str) -> str:
    return f"{'an' if noun[:1] in 'aeiou' else 'a'} {noun}"


def check_progress(events: pd.DataFrame, book: ProgressBook, *, today=None,
                   min_date=None) -> tuple[list[Problem], list[str]]:
    """Problems of new ``events`` against ``book``; and the warnings (over-plan disbursements
    flagged on purpose) that recording them would report."""
    events, problems = read_events(events)
    today = iso_date(today, "today") if today is not None else today_vn().isoformat()
    min_date = iso_date(min_date, "min_date", required=False)
    unread = {row_name(r, i) for i, r in events.iterrows()
              if any(p.message.startswith(f"{row_name(r, i)}: ") for p in problems)}
    warnings: list[str] = []
    registers = {
        "project": set(book.projects_register["project_code"].astype(str)),
        "investment": set(book.investments_register["investment_id"].astype(str)),
        "lot": set(book.lots_register["lot_code"].astype(str)),
    }
    inv = book.investments_register.set_index("investment_id")
    # the ledger events named by the new ones (ids given, corrections), and those of the new
    # events' subjects: the context of every check (a check is about one subject)
    named = {str(v) for c in ("event_id", "corrects_event_id") for v in events[c] if not blank(v)}
    ids = book.events["event_id"].astype(str)
    known = book.events[ids.isin(named)].set_index(ids[ids.isin(named)])
    voided = {str(r["corrects_event_id"]) for _, r in events.iterrows()
              if not blank(r["corrects_event_id"]) and _correction_problem(r, known) is None}
    old = book._active
    old = old[old["subject_id"].astype(str).isin({str(v) for v in events["subject_id"]})
              & ~old["event_id"].astype(str).isin(voided)]
    old = old.assign(_new=-1)
    new = events.drop(columns="source_row", errors="ignore").assign(_new=np.arange(len(events)))
    combined = pd.concat([old.astype(object), new] if len(old) else [new], ignore_index=True)
    combined = combined.sort_values(["effective_date"], kind="stable").reset_index(drop=True)
    subjects = combined.groupby(["subject_kind", "subject_id"], sort=False, dropna=False).indices
    new_ids: set[str] = set()

    def add(i, row, message, column=None):
        problems.append(Problem(LAYER, f"{row_name(row, i)}: {message}", column=column,
                                row=row.get("subject_id")))

    def of(subject_kind, subject, kinds):
        mine = combined.iloc[subjects.get((subject_kind, subject), [])]
        return mine[mine["kind"].isin(kinds)]

    def plan_of(subject_kind, subject, kinds, milestone):
        ev = of(subject_kind, subject, kinds)
        ev = ev[ev["milestone"] == milestone]
        return ev["effective_date"].dropna().min() if len(ev) else None

    for i, row in events.iterrows():
        if row_name(row, i) in unread:
            continue  # a value could not be read: said once, other checks would only guess
        subject_kind, subject, kind = row["subject_kind"], row["subject_id"], row["kind"]
        eid = row["event_id"]
        if not blank(eid):
            if str(eid) in known.index or str(eid) in new_ids:
                add(i, row, f"mã sự kiện {eid!r} đã có trong sổ hoặc bị trùng / event id "
                            f"{eid!r} is already in the ledger", "event_id")
            new_ids.add(str(eid))
        if subject_kind not in PROGRESS_SUBJECT:
            add(i, row, f"{subject_kind!r} không phải loại đối tượng / {subject_kind!r} is not "
                        f"a subject ({', '.join(PROGRESS_SUBJECT.codes)})", "subject_kind")
            continue
        what_vi, what_en = (PROGRESS_SUBJECT.label(subject_kind, lang) for lang in ("vi", "en"))
        if blank(subject) or str(subject) not in registers[subject_kind]:
            add(i, row, f"{what_vi} {subject!r} không có trong danh mục / {what_en} {subject!r} "
                        f"is not in the register ({_REGISTER[subject_kind]})", "subject_id")
            continue
        if kind not in PROGRESS_KIND or kind not in PROGRESS_KINDS_OF[subject_kind]:
            add(i, row, f"{kind!r} không phải sự kiện của {what_vi} / {kind!r} is not an event "
                        f"of {_a(what_en)} ({', '.join(PROGRESS_KINDS_OF[subject_kind])})", "kind")
            continue
        kind_vi, kind_en = PROGRESS_KIND.label(kind), PROGRESS_KIND.label(kind, "en")
        day = row["effective_date"]
        if blank(day):
            add(i, row, "thiếu ngày / no date", "effective_date")
            continue
        shown = display_date(day)
        if day > today:
            add(i, row, f"ngày {shown} ở tương lai (hôm nay {display_date(today)}) / the date "
                        f"{shown} is in the future (today is {display_date(today)}); a plan "
                        "takes a planned date", "effective_date")
        if min_date and day < min_date:
            add(i, row, f"ngày {shown} trước {display_date(min_date)} / the date {shown} is "
                        f"before {display_date(min_date)}", "effective_date")
        if blank(row["document_no"]):
            add(i, row, "thiếu số văn bản / no document number (số văn bản)", "document_no")
        for column in _NEEDS.get(kind, ()):
            if blank(row[column]):
                add(i, row, f"{kind_vi} cần {_FIELD_VI[column]} / {_a(kind_en)} needs "
                            f"{_FIELD_EN[column]} ({column})", column)
        amount = row["amount_vnd"]
        if not blank(amount) and int(amount) <= 0 and kind != "capital_plan":
            add(i, row, f"số tiền {format_vnd(amount)} đồng không dương / the amount "
                        f"{format_vnd(amount)} đồng is not positive", "amount_vnd")
        milestone = row["milestone"]
        if not blank(milestone):
            allowed = PROJECT_MILESTONES if subject_kind == "project" else INVESTMENT_MILESTONES
            if milestone not in allowed:
                add(i, row, f"{milestone!r} không phải mốc của {what_vi} / {milestone!r} is not "
                            f"a milestone of {_a(what_en)} ({', '.join(allowed)})", "milestone")
                continue
        if not blank(row["source"]) and row["source"] not in contract.CAPITAL_SOURCE:
            add(i, row, f"{row['source']!r} không phải nguồn vốn / {row['source']!r} is not a "
                        f"capital source ({', '.join(contract.CAPITAL_SOURCE.codes)})", "source")
        if not blank(row["result"]) and row["result"] not in contract.AUCTION_RESULT:
            add(i, row, f"{row['result']!r} không phải kết quả đấu giá / {row['result']!r} is "
                        "not an auction result (sold, unsold)", "result")
        if not blank(row["corrects_event_id"]):
            wrong = _correction_problem(row, known)
            if wrong:
                add(i, row, wrong[0], wrong[1])

        # the decision an event depends on
        if subject_kind == "project" and kind in ("disbursement", "milestone_reached") \
                and milestone not in ("policy", "feasibility"):
            approvals = of("project", subject, ["investment_approved"])
            if kind == "disbursement" and approvals.empty:
                add(i, row, f"dự án {subject} chưa có quyết định phê duyệt tổng mức đầu tư để "
                            f"giải ngân / project {subject} has no approved total investment "
                            "(investment_approved) to disburse against", "kind")
            elif len(approvals) and day < approvals["effective_date"].min():
                first = approvals.iloc[0]
                decision = f"{first['document_no']}, {display_date(first['effective_date'])}"
                add(i, row, f"ngày {shown} trước quyết định phê duyệt dự án {subject} "
                            f"({decision}) / the date {shown} is before the decision approving "
                            f"project {subject} ({decision})", "effective_date")
        if subject_kind == "investment":
            cert = str(inv.loc[subject, "certificate_date"])[:10]
            if day < cert:
                doc = f"{inv.loc[subject, 'certificate_no']}, {display_date(cert)}"
                add(i, row, f"ngày {shown} trước văn bản chấp thuận/giấy chứng nhận của dự án "
                            f"{subject} ({doc}) / the date {shown} is before the certificate of "
                            f"investment {subject} ({doc})", "effective_date")
        if subject_kind == "lot" and kind in ("payment", "payment_due"):
            results = of("lot", subject, ["auction_result"])
            sold = results[results["result"] == "sold"]
            if sold.empty:
                add(i, row, f"lô {subject} chưa có người trúng đấu giá để nộp tiền / lot "
                            f"{subject} has no auction won to be paid for", "subject_id")
            elif kind == "payment" and day < sold["effective_date"].min():
                when = display_date(sold["effective_date"].min())
                add(i, row, f"khoản nộp ngày {shown} trước phiên đấu giá lô {subject} ({when}) "
                            f"/ the payment of {shown} is before the auction of lot {subject} "
                            f"({when})", "effective_date")
        if kind == "auction_result" and row["result"] == "sold":
            if blank(row["party"]):
                add(i, row, "lô đã bán cần người trúng đấu giá / a lot sold needs its winner "
                            "(party)", "party")
            if blank(amount):
                add(i, row, "lô đã bán cần giá trúng đấu giá / a lot sold needs its winning "
                            "price (amount_vnd)", "amount_vnd")
            base = row["base_vnd"]
            if not blank(base) and not blank(amount) and int(amount) < int(base):
                price, start = format_vnd(amount), format_vnd(base)
                add(i, row, f"giá trúng {price} thấp hơn giá khởi điểm {start} / the winning "
                            f"price {price} is below the starting price {start}", "amount_vnd")

        # milestones reached: planned first
        if kind == "milestone_reached" and not blank(milestone):
            if subject_kind == "project":
                planned_on = plan_of("project", subject,
                                     ("milestone_planned", "milestone_replanned"), milestone)
            else:
                committed = inv.loc[subject, f"{milestone}_due"]
                planned_on = str(inv.loc[subject, "certificate_date"])[:10] \
                    if not blank(committed) else plan_of("investment", subject, ("extension",),
                                                         milestone)
            vi, en = MILESTONE.label(milestone), MILESTONE.label(milestone, "en")
            if planned_on is None:
                add(i, row, f"mốc {vi} của {subject} chưa từng được lập kế hoạch / milestone "
                            f"{milestone!r} ({en}) of {subject} was never planned", "milestone")
            elif day < planned_on:
                add(i, row, f"mốc {vi} của {subject} đạt ngày {shown}, trước ngày lập kế hoạch "
                            f"{display_date(planned_on)} / milestone {milestone!r} ({en}) of "
                            f"{subject} is reached on {shown}, before it was planned on "
                            f"{display_date(planned_on)}", "effective_date")
    problems += _over_plan(events, combined, warnings, unread)
    return problems, warnings


def _correction_problem(row, known: pd.DataFrame) -> tuple[str, str] | None:
    """Why the event a new one corrects cannot be corrected by it (message, column)."""
    target, subject = str(row["corrects_event_id"]), row["subject_id"]
    if target not in known.index or known.at[target, "subject_id"] != subject or \
            known.at[target, "subject_kind"] != row["subject_kind"]:
        return (f"sự kiện được đính chính {target!r} không phải của {subject} / corrects event "
                f"{target!r}, which is not an event of {subject}", "corrects_event_id")
    if known.at[target, "kind"] == "auction_result" and row["kind"] != "auction_result":
        return (f"kết quả đấu giá {target!r} chỉ được đính chính bằng một kết quả đấu giá / the "
                f"auction result {target!r} is corrected by another auction result (the "
                "parcels' status follows it)", "kind")
    return None


def _over_plan(events, combined, warnings, unread) -> list[Problem]:
    """Disbursements taking a year above its capital plan (the latest plan of each source).

    In date order, the disbursement that takes the year's running total above the plan and
    every later one need the ``over_plan`` flag; every new one of the year does when the total
    went above it at a recorded disbursement that is not flagged (a new one dated earlier
    pushed it over)."""
    problems = []
    new_pay = events[(events["kind"] == "disbursement") & (events["subject_kind"] == "project")
                     & events["effective_date"].notna()]
    new_pay = new_pay[[row_name(r, i) not in unread for i, r in new_pay.iterrows()]]
    if not len(new_pay):
        return problems
    pays = combined[(combined["subject_kind"] == "project")
                    & (combined["kind"] == "disbursement")]
    plans = combined[(combined["subject_kind"] == "project")
                     & (combined["kind"] == "capital_plan")]
    plans = plans.sort_values(["effective_date", "recorded_at"], na_position="last")
    for (subject, year), rows in new_pay.groupby(
            [new_pay["subject_id"], new_pay["effective_date"].astype(str).str[:4]]):
        mine_pays = pays[(pays["subject_id"] == subject)
                         & (pays["effective_date"].astype(str).str[:4] == year)]
        running = pd.to_numeric(mine_pays["amount_vnd"], errors="coerce").fillna(0).cumsum()
        mine = plans[(plans["subject_id"] == subject)
                     & (pd.to_numeric(plans["year"], errors="coerce") == int(year))]
        plan = pd.to_numeric(mine.groupby("source").tail(1)["amount_vnd"], errors="coerce").sum()
        over = (running > plan).to_numpy()
        if not over.any():
            continue
        first = int(np.argmax(over))
        new_at = mine_pays["_new"].to_numpy()  # the new event's row, -1 for a recorded one
        marked = mine_pays["flags"].fillna("").astype(str).str.contains(_OVER_PLAN).to_numpy()
        recorded_over = any(n < 0 and not m for n, m in zip(new_at[first:], marked[first:]))
        need = rows.loc[[n for n in (new_at if recorded_over else new_at[first:])
                         if n >= 0 and n in rows.index]]
        if need.empty:
            continue
        paid = running.iloc[-1]
        flagged = need["flags"].fillna("").astype(str).str.contains(_OVER_PLAN)
        names = ", ".join(row_name(r, i) for i, r in need[~flagged].iterrows())
        vi = (f"dự án {subject}: giải ngân {format_vnd(paid)} đồng năm {year}, vượt kế hoạch vốn "
              f"năm {format_vnd(plan)} đồng")
        en = (f"project {subject}: disbursed {format_vnd(paid)} đồng in {year}, above the "
              f"year's capital plan of {format_vnd(plan)} đồng")
        if (~flagged).any():
            problems.append(Problem(LAYER, f"{names}: {vi}; đánh dấu {_OVER_PLAN} (vượt kế "
                                           f"hoạch) để vẫn ghi / {en}; flag the disbursement "
                                           f"{_OVER_PLAN} to record it anyway",
                                    column="amount_vnd", row=subject))
        else:
            warnings.append(f"{vi} (ghi với đánh dấu {_OVER_PLAN}) / {en} (recorded as flagged "
                            f"{_OVER_PLAN})")
    return problems


def record_progress(store, events: pd.DataFrame, *, user: str, book: ProgressBook | None = None,
                    source_name: str | None = None, expect=None, today=None,
                    min_date=None, dry_run: bool = False) -> RecordResult:
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
    df["event_id"] = [e if not blank(e) else f"pe-{uuid.uuid4().hex[:20]}"
                      for e in df["event_id"]]
    df["recorded_by"] = user
    df["recorded_at"] = now
    status = status_events_for(df, book, user=user, recorded_at=now,
                               recorded_ids=status_corrected(store, df, book))
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
