"""What building parcels from a CAD drawing found wrong: the issue kinds and the report.

:func:`landgis.ingest.cad.polygonize_drawing` fills a :class:`CadReport` with one
:class:`CadIssue` per thing a surveyor has to fix, each with a kind from :data:`ISSUE_TITLES`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

__all__ = [
    "BAD_LABEL", "DUPLICATE_PARCEL", "INVALID_RING", "ISSUE_TITLES", "LABEL_OUTSIDE",
    "NO_LABEL", "NO_LINEWORK", "NO_NUMBER", "SEVERAL_LABELS", "STRAY_LINE", "UNCLOSED",
    "CadIssue", "CadReport",
]

# Issue kinds, with the words the terminal report uses for each.
UNCLOSED = "unclosed"
STRAY_LINE = "stray_line"
INVALID_RING = "invalid_ring"
NO_LABEL = "no_label"
NO_NUMBER = "no_number"
SEVERAL_LABELS = "several_labels"
LABEL_OUTSIDE = "label_outside"
BAD_LABEL = "bad_label"
DUPLICATE_PARCEL = "duplicate_parcel"
NO_LINEWORK = "no_linework"

ISSUE_TITLES = {
    UNCLOSED: "boundary does not close",
    STRAY_LINE: "line encloses nothing",
    INVALID_RING: "invalid ring",
    NO_LABEL: "parcel without label",
    NO_NUMBER: "parcel without number",
    SEVERAL_LABELS: "parcel with several labels",
    LABEL_OUTSIDE: "label outside every parcel",
    BAD_LABEL: "label cannot be read",
    DUPLICATE_PARCEL: "parcel number used twice",
    NO_LINEWORK: "no boundary lines",
}


#: Issues listed one by one in the text of a report; the others are counted by kind.
ISSUES_SHOWN = 200

# --------------------------------------------------------------------------- report


@dataclass(frozen=True)
class CadIssue:
    """One thing to fix in the drawing, and where it is.

    Attributes
    ----------
    kind : str
        One of the keys of :data:`ISSUE_TITLES` (``"unclosed"``, ``"no_label"`` …).
    message : str
        A sentence for the surveyor.
    x, y : float or None
        A drawing coordinate at the place (a free line end, a point inside the polygon, the
        label's insertion point); None when the issue has no place.
    """

    kind: str
    message: str
    x: float | None = None
    y: float | None = None

    def __str__(self) -> str:
        where = f" at ({self.x:.2f}, {self.y:.2f})" if self.x is not None else ""
        return f"{ISSUE_TITLES.get(self.kind, self.kind)}{where}: {self.message}"


@dataclass
class CadReport:
    """What building parcels from a drawing found wrong, issue by issue.

    Attributes
    ----------
    source : str
        The drawing's file name (or a description).
    n_polygons : int
        Polygons the boundary lines enclose.
    n_parcels : int
        Polygons that became parcels (exactly one readable label).
    issues : list of CadIssue
        Every problem, in the order: linework, polygons, labels.
    """

    source: str = ""
    n_polygons: int = 0
    n_parcels: int = 0
    issues: list[CadIssue] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the drawing has nothing to fix."""
        return not self.issues

    def by_kind(self, kind: str) -> list[CadIssue]:
        """The issues of one kind (``"unclosed"``, ``"no_label"``, ``"several_labels"`` …)."""
        return [i for i in self.issues if i.kind == kind]

    def add(self, kind: str, message: str, x=None, y=None) -> None:
        """Append an issue."""
        self.issues.append(CadIssue(kind, message,
                                    None if x is None else float(x),
                                    None if y is None else float(y)))

    def __str__(self) -> str:
        return self.text()

    def text(self, limit: int = ISSUES_SHOWN) -> str:
        """The counts per kind, then the first ``limit`` issues and how many more."""
        head = (f"{self.source or 'CAD drawing'}: {self.n_polygons} polygon(s), "
                f"{self.n_parcels} parcel(s) built, ")
        if self.ok:
            return head + "no problems"
        lines = [head + f"{len(self.issues)} problem(s)"]
        counts = Counter(i.kind for i in self.issues)
        lines.append("  " + "; ".join(f"{ISSUE_TITLES.get(k, k)}: {n}"
                                      for k, n in counts.items()))
        lines += [f"  - {issue}" for issue in self.issues[:limit]]
        if len(self.issues) > limit:
            lines.append(f"  … {len(self.issues) - limit} more")
        return "\n".join(lines)
