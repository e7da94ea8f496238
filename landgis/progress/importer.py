"""Importing the Board's progress workbook: read, check everything, report, then write or not.

:func:`import_progress` is the one core call behind ``scripts/import_progress.py``: the
workbook's register sheets (investments, auction lots) and event sheets (project finance,
investor milestones, auction results) are read (:mod:`landgis.progress.sheets`), then checked
as one: the registers against the store (:func:`~landgis.progress.registers.record_register`
with ``dry_run``), the events against a book holding the store's registers *with the
workbook's new rows merged in* (an event may name an investment or lot the same workbook
registers), so the report lists every problem of every sheet at once. If there is any, or
with ``dry_run``, nothing is written.

Otherwise the writes are, in order, the investments register, the auction lots register (each
one batch, atomic by itself) and the events with the parcels' auction status events (one
transaction, refused if another editor recorded events of the same subjects since the check).
Three writes, not one transaction: if a later one fails (a concurrent edit, a lost
connection), the registers already written are put back to their version before the import
(:meth:`~landgis.store.base.Store.restore_layer`, recorded as restore batches; a register the
import created is emptied) and :class:`ProgressImportError` says so; the store then holds what
it held, plus those batches in its history. Only if the process dies between two writes can
registers stay written without the events: re-running the same workbook completes it (a
register sheet updates rows by key, so writing it again changes nothing).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from landgis import contract
from landgis.config import Settings
from landgis.progress import ProgressBook, ProgressError, load_book, read_or_empty
from landgis.progress.import_match import split_recorded, unchanged_rows
from landgis.progress.record import record_progress
from landgis.progress.registers import record_register
from landgis.progress.rules import load_rules
from landgis.progress.sheet_headers import HEADERS
from landgis.progress.sheet_values import events_frame, register_frame
from landgis.progress.sheets import DEFAULT_MAX_BYTES, describe, read_sheets
from landgis.store.base import Batch
from landgis.vocabularies import PROGRESS_KIND

REGISTERS = (contract.INVESTMENTS, contract.AUCTION_LOTS)


class ProgressImportError(ValueError):
    """The writes of a checked workbook did not all go through; ``cause`` is why. The message
    says what was put back."""

    def __init__(self, message: str, cause: BaseException):
        super().__init__(message)
        self.cause = cause


@dataclass
class SheetReport:
    name: str
    kind: str
    description: str
    counts: dict[str, int]  # events: by kind; registers: added / updated
    over_plan: int = 0
    ignored: list[str] = field(default_factory=list)
    recorded: int = 0  # events sheets: rows the ledger already holds

    def line(self) -> str:
        if self.kind == "events":
            n = sum(self.counts.values())
            parts = ", ".join(f"{PROGRESS_KIND.label(k)} / {PROGRESS_KIND.label(k, 'en')} {v}"
                              for k, v in self.counts.items())
            text = (f"{n} sự kiện mới / new event(s): {parts}" if n
                    else "không có sự kiện mới / no new events")
            if self.recorded:
                text += f"; {self.recorded} dòng đã ghi trước đây / row(s) already recorded"
            if self.over_plan:
                text += (f"; {self.over_plan} giải ngân vượt kế hoạch (đã đánh dấu) / over-plan "
                         "disbursement(s) flagged")
        else:
            text = (f"thêm / add {self.counts.get('added', 0)}, cập nhật / update "
                    f"{self.counts.get('updated', 0)}, không đổi / unchanged "
                    f"{self.counts.get('unchanged', 0)}")
        out = f"Trang / sheet {self.description}: {text}"
        if self.ignored:
            out += f"\n  cột bỏ qua / columns ignored: {', '.join(map(repr, self.ignored))}"
        return out


@dataclass
class ProgressImport:
    """What a workbook holds, what is wrong with it, and what was (or would be) written."""

    source: str
    sheets: list[SheetReport]
    empty_sheets: list[str]
    problems: list[str]
    warnings: list[str]
    status_events: int = 0
    dry_run: bool = False
    written: bool = False
    batches: dict[str, int] = field(default_factory=dict)

    @property
    def counts(self) -> dict[str, int]:
        """Events by kind over every sheet."""
        out: dict[str, int] = {}
        for s in self.sheets:
            if s.kind == "events":
                for k, v in s.counts.items():
                    out[k] = out.get(k, 0) + v
        return out

    def report(self) -> str:
        lines = [f"Tệp / file: {self.source}"]
        lines += [s.line() for s in self.sheets]
        if self.empty_sheets:
            lines.append("Trang trống, bỏ qua / empty sheets skipped: "
                         + ", ".join(map(repr, self.empty_sheets)))
        if self.status_events:
            lines.append(f"Trạng thái đấu giá của {self.status_events} thửa theo kết quả đấu giá "
                         f"/ auction status of {self.status_events} parcel(s) from the results")
        if self.warnings:
            lines.append("Cảnh báo / warnings:")
            lines += [f"  - {w}" for w in self.warnings]
        if self.problems:
            lines.append(f"Lỗi / problems ({len(self.problems)}):")
            lines += [f"  - {p}" for p in self.problems]
        return "\n".join(lines)


def _typed(rows: pd.DataFrame, layer) -> pd.DataFrame:
    """Register rows in the contract's kinds: whole numbers, decimals, text or None."""
    rows = rows.astype(object).where(rows.notna(), None)
    for c in layer.columns:
        if c.kind == "int":
            rows[c.name] = pd.array([None if v is None else int(v) for v in rows[c.name]],
                                    dtype="Int64")
        elif c.kind == "float":
            rows[c.name] = pd.to_numeric(rows[c.name], errors="coerce").astype(float)
    return rows


def _register_rows(store, layer, sheets, labelled, problems, reports
                   ) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
    """The rows of ``layer``'s sheets as one frame (the columns a sheet lacks taken from the
    stored row of the same key), and those of them to write (added or changed); their counts
    per sheet go to ``reports``."""
    mine = [s for s in sheets if s.kind == layer.name]
    if not mine:
        return None, None
    stored = read_or_empty(store, layer.name).drop(columns="geometry", errors="ignore")
    known = set(stored[layer.key].dropna().astype(str))
    old = stored.drop_duplicates(layer.key).set_index(layer.key)
    frames, changed = [], []
    for sheet in mine:
        frame, bad = register_frame(sheet, labelled)
        problems += bad
        missing = frame.attrs.get("missing", [])
        if missing:
            names = ", ".join(f"'{HEADERS[layer.name][c][0]}' ({c})" for c in missing)
            problems.append(f"{sheet.where}: thiếu cột / missing columns: {names}")
        for c in layer.column_names:
            if c not in frame.columns:
                frame[c] = [old[c].get(k) if k in old.index else None for k in frame[layer.key]]
        frame = _typed(frame[[*layer.column_names, "source_row"]], layer)
        same = unchanged_rows(frame, stored, layer.column_names, layer.key)
        added = ~frame[layer.key].astype(str).isin(known)
        reports.append(SheetReport(sheet.name, sheet.kind, describe(sheet), {
            "added": int(added.sum()), "updated": int((~added & ~same).sum()),
            "unchanged": int(same.sum())}, ignored=sheet.ignored))
        frames.append(frame)
        changed.append(frame[~same])
    return (pd.concat(frames, ignore_index=True),
            _typed(pd.concat(changed, ignore_index=True), layer))


def _merged(stored: pd.DataFrame, new: pd.DataFrame | None, key: str) -> pd.DataFrame:
    if new is None or new.empty:
        return stored
    new = new.drop(columns="source_row")
    kept = stored[~stored[key].astype(str).isin(new[key].astype(str))]
    if kept.empty:
        return new.reset_index(drop=True)
    return pd.concat([kept.astype(object), new.astype(object)], ignore_index=True)


def import_progress(store, path, *, user: str, dry_run: bool = False,
                    source_name: str | None = None, max_rows: int = Settings.max_list_rows,
                    max_bytes: int = DEFAULT_MAX_BYTES, min_date: str | None = None,
                    today: str | None = None, rules_file: str | None = None) -> ProgressImport:
    """Read the workbook at ``path``, check all of it against ``store``, and unless
    ``dry_run`` or a problem, write it (see the module's notes on the three writes).

    Raises :class:`~landgis.progress.sheets.ProgressSheetError` for a workbook that cannot be
    read as progress data (nothing checked), :class:`ProgressImportError` when a write failed
    after the checks (what was written is put back); problems of the rows are in the
    returned report and nothing is written."""
    if not str(user or "").strip():
        raise ValueError("thiếu người ghi / who records the workbook is required")
    path = Path(path)
    source = source_name or path.name
    sheets, empty = read_sheets(path, max_rows=max_rows, max_bytes=max_bytes)
    labelled = path.suffix.lower() != ".csv"
    problems: list[str] = []
    warnings: list[str] = []
    reports: list[SheetReport] = []
    registers, to_write = {}, {}
    for layer in REGISTERS:
        registers[layer.name], to_write[layer.name] = _register_rows(
            store, layer, sheets, labelled, problems, reports)
    for name, rows in to_write.items():
        if rows is not None and not rows.empty:
            try:
                record_register(store, name, rows, user=user, source_name=source,
                                dry_run=True, today=today)
            except ProgressError as exc:
                problems += [str(p) for p in exc.problems]

    stored_events = read_or_empty(store, contract.PROGRESS_EVENTS.name)
    frames = []
    for sheet in (s for s in sheets if s.kind == "events"):
        frame, bad = events_frame(sheet, labelled)
        problems += bad
        frame, recorded, looks = split_recorded(frame, stored_events)
        warnings += looks
        flagged = (frame["flags"] == "over_plan") & (frame["kind"] == "disbursement")
        reports.append(SheetReport(sheet.name, "events", describe(sheet),
                                   frame["kind"].value_counts(sort=False).to_dict(),
                                   int(flagged.sum()), sheet.ignored, int(recorded.sum())))
        frames.append(frame)
    order = {s.name: i for i, s in enumerate(sheets)}
    reports.sort(key=lambda r: order[r.name])
    events = pd.concat(frames, ignore_index=True) if frames else None
    result = ProgressImport(source, reports, empty, problems, warnings, dry_run=dry_run)

    if events is not None and len(events):
        book = ProgressBook(
            projects_register=read_or_empty(store, contract.PROJECTS.name),
            investments_register=_merged(read_or_empty(store, contract.INVESTMENTS.name),
                                         registers[contract.INVESTMENTS.name], "investment_id"),
            lots_register=_merged(read_or_empty(store, contract.AUCTION_LOTS.name),
                                  registers[contract.AUCTION_LOTS.name], "lot_code"),
            events=stored_events, rules=load_rules(rules_file))
        try:
            checked = record_progress(store, events, user=user, book=book, source_name=source,
                                      today=today, min_date=min_date, dry_run=True)
            result.warnings += checked.warnings
            result.status_events = len(checked.status_events)
        except ProgressError as exc:
            problems += [str(p) for p in exc.problems]
    if problems or dry_run:
        return result

    _write(store, result, to_write, events, stored_events, user=user, today=today,
           min_date=min_date, rules_file=rules_file)
    return result


def _write(store, result, registers, events, stored_events, *, user, today, min_date,
           rules_file) -> None:
    seen = stored_events.groupby(["subject_kind", "subject_id"]).size() \
        if len(stored_events) else pd.Series(dtype=int)
    expect = None
    if events is not None and len(events):
        expect = {(k, s): int(seen.get((k, s), 0))
                  for k, s in set(zip(events["subject_kind"], events["subject_id"]))}
    done: list[tuple[str, int, bool]] = []
    try:
        for name, rows in registers.items():
            if rows is None or rows.empty:
                continue
            existed = name in store.layers()
            batch = record_register(store, name, rows, user=user, source_name=result.source,
                                    today=today)
            done.append((name, batch, existed))
            result.batches[name] = batch
        if expect:
            book = load_book(store, rules_file=rules_file)
            recorded = record_progress(store, events, user=user, book=book,
                                       source_name=result.source, expect=expect, today=today,
                                       min_date=min_date)
            result.batches[contract.PROGRESS_EVENTS.name] = recorded.batch_id
    except BaseException as exc:
        undone = _undo(store, done, user, result.source)
        if not isinstance(exc, Exception):
            raise
        raise ProgressImportError(
            f"{result.source}: không ghi được / not recorded ({exc}); {undone}", exc) from exc
    result.written = True


def _undo(store, done, user: str, source: str) -> str:
    """Put the registers written back as they were; what was done, for the message."""
    if not done:
        return "không có gì đã ghi / nothing was written"
    put_back, failed = [], []
    for name, batch, existed in reversed(done):
        try:
            if existed:
                store.restore_layer(batch, user=user)
            else:
                empty = pd.DataFrame({c: pd.Series(dtype=object)
                                      for c in contract.get_layer(name).column_names})
                store.write_layer(name, empty, batch=Batch(
                    source_name=f"{source} (hoàn lại / undone)", user=user, action="restore"))
            put_back.append(f"{name} (batch {batch})")
        except Exception as exc:  # the store is unreachable: say what to restore
            failed.append(f"{name}: khôi phục bản trước batch {batch} / restore the version "
                          f"before batch {batch} ({exc})")
    text = ("đã hoàn lại / put back: " + ", ".join(put_back)) if put_back else ""
    if failed:
        text += ("; CHƯA hoàn lại / NOT put back: " + "; ".join(failed))
    return text


__all__ = ["ProgressImport", "ProgressImportError", "SheetReport", "import_progress"]
