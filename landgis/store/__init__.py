"""Storage backends behind one interface; :func:`open_store` picks one from a database URL."""

from __future__ import annotations

from landgis.store.base import LayerNotFoundError, LedgerError, Store, StoreError

__all__ = ["open_store", "Store", "StoreError", "LayerNotFoundError", "LedgerError"]


def open_store(url: str, *, create: bool = False) -> Store:
    """Open the store named by ``url``: a ``.gpkg`` path or a ``postgresql://`` URL.

    Raises StoreError when the URL names nothing this version can open.
    """
    text = str(url)
    if text.startswith(("postgresql://", "postgres://", "postgresql+psycopg://")):
        raise StoreError(
            "the PostGIS backend is not part of this version yet; use a .gpkg path"
        )
    from landgis.store.geopackage import GeoPackageStore

    return GeoPackageStore(text, create=create)
