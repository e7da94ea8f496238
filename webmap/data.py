"""The store for the current request, opened once per request from the app's settings, and the
app's one :class:`~landgis.dataview.DataViews` (what is built once per data version)."""

from __future__ import annotations

from flask import current_app, g, jsonify

from landgis.dataview import DataViews
from landgis.store import Store, StoreError, open_store

#: Where the app keeps its :class:`DataViews`.
VIEWS = "landgis_views"


def get_store() -> Store:
    if "store" not in g:
        g.store = open_store(current_app.config["LANDGIS"].database_url)
    return g.store


def get_views(app=None) -> DataViews:
    """The app's views of the data (:mod:`landgis.dataview`), one per app."""
    return (app or current_app).extensions[VIEWS]


def _close(exc=None):
    store = g.pop("store", None)
    if store is not None:
        store.close()


#: what the server's keeper can do for each option a store error names (StoreError.option)
STORE_HINTS = {"database_url": "the setting database_url (LANDGIS_DATABASE_URL), or `make "
                               "layers` for the demo store",
               "init_store": "create the store (landgis-init-db) before serving it"}


def _store_error(exc: StoreError):
    hint = STORE_HINTS.get(getattr(exc, "option", None))
    return jsonify(error=f"dữ liệu không sẵn sàng / data not available: {exc}"
                   + (f" (cách sửa / to fix: {hint})" if hint else "")), 503


def init_app(app) -> None:
    app.extensions[VIEWS] = DataViews.from_settings(app.config["LANDGIS"])
    app.teardown_appcontext(_close)
    app.register_error_handler(StoreError, _store_error)
