"""One view of a store's data per version: what is costly to build, built once, kept in one
byte-bounded cache.

Two versions, and what follows each
-----------------------------------
- The store's :meth:`~landgis.store.base.Store.version` moves with every write, the status
  ledger's appends included. The land fund (today's statuses) and the ledger it was built from
  are kept per store version, *together*: a view fixes its version when it is made
  (:meth:`DataViews.current`), so an answer that needs both (``as_of``, a parcel's history)
  never mixes two versions, whatever another thread writes meanwhile. So is the status
  snapshot, and the statuses aligned to an index.
- The tiles' data version (:func:`landgis.tiles.data_version`) moves only when a tiled layer is
  written: the parcel index and the layers' indexes (geometry, 1.5 s for 100,000 parcels) are
  kept per data version, so a status edit costs no re-read of the geometry.

Everything lives in one :class:`~landgis.cache.ByteCache` of :class:`DataViews` (the web app
holds one, its budget the ``cache_mb`` setting; the encoded tiles of
:class:`~landgis.tiles.TileService` share it), each entry built once however many threads ask
for it. Functions called without a views object use the process's :func:`default_views`.
"""

from __future__ import annotations

import threading

from landgis.cache import ByteCache

#: The default budget of the cache, in megabytes (the ``cache_mb`` setting).
DEFAULT_CACHE_MB = 512


class DataView:
    """The data of ``store`` at store version ``version`` (see the module's docstring). Cheap
    to make: the data are in the cache of ``views``, not in the view."""

    def __init__(self, views: "DataViews", store, version):
        self.views, self.store, self.version = views, store, version
        self.url = store.url
        self._token = None

    @property
    def cache(self) -> ByteCache:
        return self.views.cache

    @property
    def token(self) -> str:
        """The tiles' data version (:func:`landgis.tiles.data_version`)."""
        if self._token is None:
            from landgis.tiles.versions import data_version

            self._token = data_version(self.store)
        return self._token

    # ------------------------------------------------------------ per store version

    def land_fund_and_ledger(self):
        """``(LandFund with today's statuses, the status_events ledger)``, read together."""
        from landgis.landfund import load_land_fund

        def build():
            return load_land_fund(self.store), self.store.read_layer("status_events")

        return self.cache.get_or_build((self.url, self.version, "land_fund"), build)

    def land_fund(self):
        return self.land_fund_and_ledger()[0]

    def ledger(self):
        return self.land_fund_and_ledger()[1]

    def statuses_along(self, index) -> dict:
        """:func:`landgis.parcel_index.align_statuses` of the land fund for the features of a
        tiles' layer index (by its keys)."""
        from landgis.parcel_index import align_statuses

        fund = self.land_fund()
        return self.cache.get_or_build(
            (self.url, self.version, "statuses_along", index.token, len(index)),
            lambda: align_statuses(fund, index.keys))

    def parcel_statuses(self) -> dict:
        """The land fund's statuses along the :meth:`parcel_index`."""
        index, fund = self.parcel_index(), self.land_fund()
        return self.cache.get_or_build(
            (self.url, self.version, "parcel_statuses", self.token),
            lambda: index.statuses(fund))

    def snapshot_gzip(self) -> tuple[str, bytes]:
        """``(etag, gzip JSON)`` of the status snapshot (:mod:`landgis.status_snapshot`)."""
        from landgis import status_snapshot

        return self.cache.get_or_build((self.url, self.version, "snapshot"),
                                       lambda: status_snapshot.build_gzip(self))

    def progress_book(self, rules_file: str | None = None):
        """The registers and progress ledger (:func:`landgis.progress.load_book`), with the
        schedule rules of ``rules_file`` (none: the table shipped)."""
        from landgis.progress import load_book

        return self.cache.get_or_build(
            (self.url, self.version, "progress_book", rules_file),
            lambda: load_book(self.store, rules_file=rules_file))

    def progress_shapes(self, book):
        """What the map draws investments and projects on (:func:`landgis.progress.geo.
        map_shapes`), from the registers of ``book``, a book of this view."""
        from landgis.progress.geo import map_shapes

        return self.cache.get_or_build((self.url, self.version, "progress_shapes"),
                                       lambda: map_shapes(self.store, book))

    def derived(self, name: str, build):
        """Whatever an adapter derives from this version (the web app's page), built once."""
        return self.cache.get_or_build((self.url, self.version, "derived", name), build)

    def peek(self, name: str):
        """What :meth:`derived` holds under ``name``, None when nothing (yet)."""
        return self.cache.get((self.url, self.version, "derived", name))

    # ------------------------------------------------------------ per tiles' data version

    def parcel_index(self):
        """The parcels layer in memory (:class:`landgis.parcel_index.ParcelIndex`); one read
        while the layer changed answers its caller and is not kept."""
        from landgis.parcel_index import PARCEL_COLUMNS, ParcelIndex
        from landgis.tiles.versions import data_version

        token = self.token
        return self.cache.get_or_build(
            (self.url, token, "parcel_index"),
            lambda: ParcelIndex(self.store.read_layer("parcels", columns=PARCEL_COLUMNS)),
            keep=lambda _index: data_version(self.store) == token)

    def layer_index(self, layer: str):
        """A tiled layer in EPSG:3857 with an STRtree (:class:`landgis.tiles.LayerIndex`), None
        when the store has no such layer; read again (three times at most, then
        :class:`~landgis.tiles.DataChanged`) when the layer changed while it was read."""
        from landgis.tiles.index import build_index
        from landgis.tiles.layers import LAYERS
        from landgis.tiles.versions import DataChanged, data_version

        spec = LAYERS[layer]
        token = self.token
        latest = self.views.latest_index
        for _attempt in range(3):
            def build(token=token):
                # from the index of the version before, when the store says what changed
                before = latest.get((self.url, layer))
                previous = None if before in (None, token) else self.cache.get(
                    (self.url, before, "layer_index", layer))
                index = build_index(self.store, spec, token, previous)
                latest[(self.url, layer)] = token
                return index

            index = self.cache.get_or_build(
                (self.url, token, "layer_index", layer), build,
                keep=lambda _index, token=token: data_version(self.store) == token)
            now = data_version(self.store)
            if now == token:
                return index
            token = now  # changed while reading: read the new version
        raise DataChanged(f"the layer {layer!r} kept changing while being read")


class DataViews:
    """The views of the stores a process reads, in one cache of at most ``max_bytes``."""

    def __init__(self, max_bytes: int = DEFAULT_CACHE_MB << 20):
        self.cache = ByteCache(max_bytes)
        #: (store URL, layer) -> the data version of the layer index built last
        self.latest_index: dict = {}

    @classmethod
    def from_settings(cls, settings) -> "DataViews":
        return cls(int(settings.cache_mb * (1 << 20)))

    def current(self, store) -> DataView:
        """The view of ``store`` at its version now."""
        return DataView(self, store, store.version())

    def warm(self, store) -> str:
        """Build what the first questions about ``store`` would otherwise wait for: the land
        fund, the parcel index and its statuses, every tiled layer's index and the status
        snapshot, then give the memory the reads let go back to the system. Returns the store
        version they are for."""
        from landgis.memory import release_freed_memory
        from landgis.tiles.layers import LAYERS

        view = self.current(store)
        view.land_fund()
        view.parcel_statuses()
        for layer in LAYERS:
            view.layer_index(layer)
        view.snapshot_gzip()
        release_freed_memory()  # what the reads let go: about a fifth of the process
        return view.version


_default: DataViews | None = None
_default_lock = threading.Lock()


def default_views() -> DataViews:
    """The process's views, for callers that hold none (scripts, tests); the web app holds
    its own."""
    global _default
    with _default_lock:
        if _default is None:
            from landgis.config import load_settings

            _default = DataViews.from_settings(load_settings())
        return _default


def views_of(views: DataViews | None) -> DataViews:
    return views if views is not None else default_views()
