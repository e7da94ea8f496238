"""The Board's progress beyond parcels: public investment projects (capital plans,
disbursement, milestones), investors' projects in the zones (committed milestones, extensions,
inspections, the schedule rules of the law) and auction lots (results, payments, revenue).

The registers are layers (``projects``, ``investments``, ``auction_lots``); everything that
happens to them is an event of the append-only ``progress_events`` ledger, and every figure is a
replay of it as of a date (:class:`~landgis.progress.book.ProgressBook`).
"""

from __future__ import annotations

import pandas as pd

from landgis import contract
from landgis.progress.book import ProgressBook, as_of_date, empty_events, investment_milestones
from landgis.progress.record import ProgressError, RecordResult, check_progress, record_progress
from landgis.progress.rules import Rule, RulesError, load_rules
from landgis.progress.tables import json_records, progress_tables
from landgis.store.errors import LayerNotFoundError

__all__ = ["ProgressBook", "ProgressError", "RecordResult", "Rule", "RulesError", "as_of_date",
           "check_progress", "empty_events", "investment_milestones", "json_records",
           "load_book", "load_rules", "progress_tables", "read_or_empty", "record_progress"]


def read_or_empty(store, name: str, columns: list[str] | None = None) -> pd.DataFrame:
    """Layer ``name`` as a plain table (only ``columns`` and the geometry, if given), or an
    empty one with the contract's columns when the store does not hold it yet (a store made
    before the progress ledger existed)."""
    try:
        return pd.DataFrame(store.read_table(name, columns=columns))
    except LayerNotFoundError:
        layer = contract.get_layer(name)
        names = columns if columns is not None else layer.column_names
        return pd.DataFrame({c: pd.Series(dtype=object) for c in names})


def load_book(store, *, rules_file: str | None = None) -> ProgressBook:
    """The registers and the progress ledger of ``store``, ready for as-of tables."""
    return ProgressBook(
        projects_register=read_or_empty(store, contract.PROJECTS.name),
        investments_register=read_or_empty(store, contract.INVESTMENTS.name),
        lots_register=read_or_empty(store, contract.AUCTION_LOTS.name),
        events=read_or_empty(store, contract.PROGRESS_EVENTS.name),
        rules=load_rules(rules_file),
    )
