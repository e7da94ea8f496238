"""Storage backends behind one interface; :func:`open_store` picks one from a database URL."""

from __future__ import annotations

from landgis.store.base import LayerNotFoundError, LedgerError, Store, StoreError, mask_url

__all__ = ["open_store", "Store", "StoreError", "LayerNotFoundError", "LedgerError",
           "mask_url"]


def open_store(url: str, *, create: bool = False) -> Store:
    """Open the store named by ``url``: a ``.gpkg`` path or a ``postgresql://`` URL
    (``postgresql://[user@][host][:port]/dbname[?schema=NAME]``, see
    :mod:`landgis.store.postgis`).

    With ``create`` a missing GeoPackage may be created by the first write, and a PostgreSQL
    database gets what the store needs (PostGIS, EPSG:9216, the schemas and tables). Raises
    StoreError when the URL names nothing this version can open.
    """
    text = str(url)
    if text.startswith(("postgresql://", "postgres://", "postgresql+psycopg://")):
        from landgis.store.postgis import PostGISStore

        return PostGISStore(text, create=create)
    if "://" in text:  # a URL of another kind: named without its password
        raise StoreError(f"{mask_url(text)}: not a store; give a .gpkg path or a "
                         "postgresql:// URL")
    from landgis.store.geopackage import GeoPackageStore

    return GeoPackageStore(text, create=create)
