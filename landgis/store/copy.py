"""Copying the layers of one store into another, all or none (a GeoPackage into PostGIS)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from landgis.contract import LAYERS, STATUS_EVENTS
from landgis.store.base import Batch, Store, StoreError, mask_url


@dataclass(frozen=True)
class Copied:
    """What :func:`copy_store` wrote: ``(layer, features, batch id)`` in the order written,
    and the SHA-256 of the source file (None for a database)."""

    layers: list[tuple[str, int, int | None]]
    source_sha256: str | None


def copy_order(names) -> list[str]:
    """The contract's layers first, in its order, the ledger last; then any other table."""
    names = list(names)
    order = [n for n in LAYERS if n in names and n != STATUS_EVENTS.name]
    order += [n for n in names if n not in LAYERS]
    return order + ([STATUS_EVENTS.name] if STATUS_EVENTS.name in names else [])


def copy_store(src: Store, dst: Store, *, user: str, note: str | None = None) -> Copied:
    """Write every layer of ``src`` (the status ledger too, as the initial ledger) into
    ``dst``, each checked against the contract and recorded as a batch, in one transaction:
    all or none. Every row keeps its feature id (the parcels' ``k`` in the tiles).

    ``dst`` must hold none of those layers and must be a store with transactions (PostGIS);
    StoreError (or the ContractError of a layer breaking the contract) otherwise, with
    nothing written.
    """
    from landgis.ingest.importer import file_sha256

    transaction = getattr(dst, "transaction", None)
    if transaction is None:
        raise StoreError(f"{mask_url(dst.url)}: layers are copied into a PostGIS store only "
                         "(one transaction for all of them)")
    names = src.layers()
    if not names:
        raise StoreError(f"{mask_url(src.url)}: no layers to copy")
    present = sorted(set(names) & set(dst.layers()))
    if present:
        where = f"schema {dst.schema!r}" if getattr(dst, "schema", None) else "the store"
        raise StoreError(
            f"{mask_url(dst.url)}: {where} already holds {', '.join(present)}; copy into an "
            "empty schema (?schema=NAME) or replace those layers one at a time by imports")
    source = Path(str(src.url))
    digest = file_sha256(source) if source.is_file() else None
    written = []
    with transaction():
        for name in copy_order(names):
            df = src.read_layer(name, with_fid=True)  # each row keeps its feature id
            batch = dst.write_layer(name, df, batch=Batch(
                source_name=source.name if digest else mask_url(src.url), user=user,
                source_sha256=digest, counts={"features": len(df)}, note=note))
            written.append((name, len(df), batch))
    return Copied(written, digest)
