"""How the data contract describes a layer: its columns (name, kind, vocabulary, labels) and its
key and geometry types. The layers themselves are in :mod:`landgis.contract` (and the progress
registers and ledger in :mod:`landgis.contract_progress`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from landgis.vocabularies import Vocabulary


@dataclass(frozen=True)
class Column:
    """One column of a layer: its name, kind, and whether it may be missing or empty.

    ``required`` columns must be present and filled; a required column with ``may_be_empty``
    must be present, but a value may be empty (unknown: the legal area of a parcel whose
    drawing does not give it).
    """

    name: str
    kind: str  # "str" | "int" | "float" | "date" | "datetime"
    required: bool = True
    vocabulary: Vocabulary | None = None
    label_vi: str = ""
    label_en: str = ""
    may_be_empty: bool = False


@dataclass(frozen=True)
class Layer:
    """A layer of the contract: its name, columns, key and allowed geometry types."""

    name: str
    columns: tuple[Column, ...]
    key: str | None
    geometry_types: tuple[str, ...] = ()  # empty: a table with no geometry
    title_vi: str = ""
    title_en: str = ""
    vocabularies: dict[str, Vocabulary] = field(default_factory=dict)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def is_spatial(self) -> bool:
        return bool(self.geometry_types)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


def _c(name, kind, required=True, vocabulary=None, vi="", en="", may_be_empty=False):
    return Column(name, kind, required, vocabulary, vi, en, may_be_empty)


POLYGONAL = ("Polygon", "MultiPolygon")
