"""The store's typed errors: what a store cannot do, said in words a user can act on.

:mod:`landgis.store.base` re-exports them, so ``from landgis.store.base import StoreError``
keeps working.
"""

from __future__ import annotations


class StoreError(Exception):
    """Something the store cannot do, said in words a user can act on.

    ``option`` names what would put it right, for a script to name its flag or command:
    ``"database_url"`` (name another store), ``"init_store"`` (create the store there
    first), or None.
    """

    def __init__(self, message: str = "", option: str | None = None):
        super().__init__(message)
        self.option = option


class LayerNotFoundError(StoreError):
    """The store has no layer of that name."""


class LedgerError(StoreError):
    """Status events that cannot be appended (unknown parcel, field, value, or duplicate id)."""


class ConflictError(StoreError):
    """Someone changed a status since the editor saw it; nothing was written.

    ``conflicts`` lists, per parcel and field, the status the edit expected and the event that
    holds the status now.
    """

    def __init__(self, conflicts: list[dict]):
        self.conflicts = conflicts
        names = ", ".join(f"{c['parcel_id']} {c['field']}" if "parcel_id" in c else
                          f"{c['subject_kind']} {c['subject_id']}" for c in conflicts[:5])
        super().__init__(f"changed meanwhile by someone else: {names}")
