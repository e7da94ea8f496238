"""Output folders written whole or not at all: files are made in a temporary folder beside
the target, which then takes the target's place (the dossier, the review report)."""

from __future__ import annotations

import os
from pathlib import Path


def swap_in(folder: Path, out: Path, work: Path) -> None:
    """Put ``folder`` (made inside the scratch folder ``work``, on the same disk as ``out``) in
    the place of ``out``; an ``out`` already there is moved into ``work`` first (and removed
    with it), and put back if the move fails."""
    old = None
    if out.exists():
        old = work / "previous"
        os.replace(out, old)
    try:
        os.replace(folder, out)
    except OSError:
        if old is not None:
            os.replace(old, out)
        raise
