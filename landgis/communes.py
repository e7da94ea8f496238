"""The communes of the former Kon Tum province at survey, and the units they belong to now.

Cadastral sheets carry the commune of their survey: a unit of the former Kon Tum province as it
was before 1 July 2025 (national statistics codes 23281 … 23554, 102 communes, wards and
townships in ten districts). From 1 July 2025 those units were merged into 40 communes and wards
of the new Quảng Ngãi province, with no districts (Resolution 202/2025/QH15 and the Standing
Committee's resolution on the communes of Quảng Ngãi).

The table is ``layers/sources/communes.csv``, one row per unit before the merger:

- ``commune_code``, ``commune_name``, ``district_code``, ``district``: the official list of the
  General Statistics Office as the ``vietnam-provinces`` package 0.6.0 carries it (data of
  2025-01-04, the last list before the merger);
- ``current_commune_code``, ``current_commune_name``, ``current_valid_from``: the unit it belongs
  to from 1 July 2025, from ``vietnam-provinces`` 2025.10.1 (data of 2025-10-18), where the
  mapping can be decided; ``mapping_basis`` says how: ``same code kept`` (the new unit took this
  unit's code), ``name kept`` (a new unit of the same name took the code of a unit of the same
  district), a hand-decided line (``assumed by geography …``, or a fact with its source), or
  ``not determined`` (the package carries no old → new mapping: leave it empty).

:func:`build_commune_table` makes the table from the two packages' data (run by
``scripts/make_commune_table.py``); :func:`commune_table` reads it.
"""

from __future__ import annotations

import json
import re
import zipfile
from functools import lru_cache
from pathlib import Path

import pandas as pd

from landgis.text import fold

#: The table in the repository.
COMMUNES_CSV = Path(__file__).resolve().parents[1] / "layers" / "sources" / "communes.csv"

COLUMNS = ("commune_code", "commune_name", "district_code", "district", "current_commune_code",
           "current_commune_name", "current_valid_from", "mapping_basis")

#: Province codes: the former Kon Tum (before 1 July 2025) and the new Quảng Ngãi.
OLD_PROVINCE, NEW_PROVINCE = 62, 51
MERGER_DATE = "2025-07-01"

SAME_CODE = "same code kept"
NAME_KEPT = "name kept"
NOT_DETERMINED = ("not determined: vietnam-provinces carries no old → new mapping; "
                  "see the 2025 merger resolution")
_GENERATED = (SAME_CODE, NAME_KEPT, NOT_DETERMINED)

_UNIT_KIND = re.compile(r"^(xã|phường|thị trấn)\s+", re.IGNORECASE)


def _plain_name(name: str) -> str:
    """``"Xã Đắk Cấm"`` and ``"Phường Đăk Cấm"`` both as ``"dakcam"``."""
    return fold(_UNIT_KIND.sub("", str(name).strip()))


@lru_cache(maxsize=4)
def commune_table(path: str | Path | None = None) -> pd.DataFrame:
    """The units of the former Kon Tum province before 1 July 2025, indexed by ``commune_code``.

    Parameters
    ----------
    path : str or Path, optional
        The CSV (default: ``layers/sources/communes.csv`` of the repository).

    Returns
    -------
    DataFrame
        The columns of :data:`COLUMNS` but the code, as text (empty cells as NaN).
    """
    df = pd.read_csv(path or COMMUNES_CSV, dtype=str, keep_default_na=False, na_values=[""],
                     encoding="utf-8")
    return df.set_index("commune_code")


def _divisions(source) -> list[dict]:
    """The nested divisions of a ``vietnam-provinces`` release: its JSON, a wheel or a folder."""
    source = Path(source)
    member = "vietnam_provinces/data/nested-divisions.json"
    if source.suffix == ".whl":
        with zipfile.ZipFile(source) as zf:
            return json.loads(zf.read(member))
    if source.is_dir():
        found = [p for p in (source / member, source / "data" / "nested-divisions.json",
                             source / "nested-divisions.json") if p.is_file()]
        if not found:
            raise FileNotFoundError(f"no nested-divisions.json under {source}")
        source = found[0]
    return json.loads(source.read_text(encoding="utf-8"))


def _province(divisions: list[dict], code: int) -> dict:
    for p in divisions:
        if int(p["code"]) == code:
            return p
    raise ValueError(f"province {code} is not in the divisions given")


def build_commune_table(old_divisions, new_divisions=None,
                        curated: pd.DataFrame | None = None) -> pd.DataFrame:
    """The commune table from the pre-2025 list and the current one.

    Parameters
    ----------
    old_divisions : path
        ``vietnam-provinces`` 0.6.0 (the wheel, an unpacked folder or its
        ``nested-divisions.json``): provinces, districts and wards before 1 July 2025.
    new_divisions : path, optional
        The same from a release after the merger; default: the installed ``vietnam-provinces``.
    curated : DataFrame, optional
        Rows decided by hand (an earlier table): a row whose ``mapping_basis`` is not one this
        function makes is kept as it is.

    Returns
    -------
    DataFrame
        The columns of :data:`COLUMNS`, one row per unit, in the order of the official list.
    """
    if new_divisions is None:
        import vietnam_provinces  # the pinned release after the merger; only here

        new_divisions = vietnam_provinces.NESTED_DIVISIONS_JSON_PATH
    old = _province(_divisions(old_divisions), OLD_PROVINCE)
    new = _province(_divisions(new_divisions), NEW_PROVINCE)
    rows = [{"commune_code": str(w["code"]), "commune_name": w["name"],
             "district_code": str(d["code"]), "district": d["name"]}
            for d in old["districts"] for w in d["wards"]]
    district_of = {r["commune_code"]: r["district_code"] for r in rows}
    new_units = {str(w["code"]): w["name"] for w in new["wards"]}
    by_name: dict[str, list[str]] = {}
    for code, name in new_units.items():
        by_name.setdefault(_plain_name(name), []).append(code)

    for r in rows:
        code = r["commune_code"]
        current, basis = None, NOT_DETERMINED
        if code in new_units:
            current, basis = code, SAME_CODE
        else:  # a new unit of the same name whose code comes from the same district
            same = [c for c in by_name.get(_plain_name(r["commune_name"]), [])
                    if district_of.get(c) == r["district_code"]]
            if len(same) == 1:
                current, basis = same[0], NAME_KEPT
        r.update(current_commune_code=current,
                 current_commune_name=new_units.get(current),
                 current_valid_from=MERGER_DATE if current else None,
                 mapping_basis=basis)
    table = pd.DataFrame(rows, columns=list(COLUMNS))
    if curated is not None and len(curated):
        cur = curated.reset_index() if "commune_code" not in curated.columns else curated
        cur = cur[~cur["mapping_basis"].isin(_GENERATED)].set_index("commune_code")
        table = table.set_index("commune_code")
        keep = cur.index.intersection(table.index)
        cols = ["current_commune_code", "current_commune_name", "current_valid_from",
                "mapping_basis"]
        table.loc[keep, cols] = cur.loc[keep, cols].to_numpy()
        # a hand-decided current unit must still exist after the merger
        gone = [c for c in keep if table.at[c, "current_commune_code"] not in new_units]
        if gone:
            raise ValueError(f"hand-decided rows name current units that do not exist: {gone}")
        table["current_commune_name"] = [new_units.get(c, n) for c, n in zip(
            table["current_commune_code"], table["current_commune_name"])]
        table.loc[keep, "current_valid_from"] = \
            table.loc[keep, "current_valid_from"].fillna(MERGER_DATE)
        table = table.reset_index()
    return table[list(COLUMNS)]
