"""Which layers are tiled, with which columns, from which zoom; and the check of a tile address."""

from __future__ import annotations

import dataclasses

from landgis.tiles.grid import MAX_ZOOM, check_xyz

#: Changes when what a tile holds changes, so that browsers and pyramids refresh.
TILE_FORMAT = "3"  # 3: k is the feature id, no longer the position
#: The property holding a feature's id in the store (layers with ``ordinal``).
ORDINAL = "k"
#: Media type of a tile.
MEDIA_TYPE = "application/vnd.mapbox-vector-tile"


@dataclasses.dataclass(frozen=True)
class TileLayer:
    """A tiled layer: its key, the columns a tile carries (key first) and its first zoom.

    With ``ordinal``, a tile's feature also carries ``k``: the feature's id in the store, kept by
    every import for the rows it does not cover (:func:`landgis.tiles.index.read_tile_layer`). The page looks
    the parcel's status up by it in one compact snapshot (:mod:`landgis.status_snapshot`).
    """

    name: str
    columns: tuple[str, ...]
    minzoom: int
    ordinal: bool = False

    @property
    def key(self) -> str:
        return self.columns[0]

    @property
    def tile_columns(self) -> tuple[str, ...]:
        return (*self.columns, ORDINAL) if self.ordinal else self.columns


LAYERS: dict[str, TileLayer] = {
    "parcels": TileLayer("parcels", ("parcel_id", "zone_code", "land_use_code", "sheet_no",
                                     "parcel_no"), minzoom=13, ordinal=True),
    "zones": TileLayer("zones", ("zone_code", "kind", "name_vi"), minzoom=8),
    "zoning_plots": TileLayer("zoning_plots", ("plot_code", "zone_code", "function",
                                               "lease_status"), minzoom=8),
}


class UnknownLayer(LookupError):
    """A layer that is not tiled (the web answers 404)."""


def check_tile(layer: str, z: int, x: int, y: int) -> TileLayer:
    """The layer's description, once ``layer`` and ``z/x/y`` are known to be valid.

    Raises :class:`UnknownLayer` or :class:`~landgis.tiles.grid.TileError` with a sentence
    saying what is allowed.
    """
    spec = LAYERS.get(layer)
    if spec is None:
        raise UnknownLayer(f"no tiled layer {layer!r}; layers: {', '.join(LAYERS)}")
    check_xyz(z, x, y, MAX_ZOOM)
    return spec
