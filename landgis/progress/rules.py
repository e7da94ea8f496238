"""The schedule rules that flag an investor, as data: one table, each rule citing its article.

A rule is one row of ``schedule_rules.csv`` (or of the file named by the ``schedule_rules``
setting, same columns), so that a change in the law is a change of data:

``condition``
    ``late``: ``milestone`` (``*``: any) not reached more than ``months`` after its due date
    (the committed date, moved by extensions); ``unused``: ``after`` reached, and ``milestone``
    not reached more than ``months`` later; ``extended``: the due date of ``milestone`` moved
    more than ``months`` beyond the committed one.
``after``
    A milestone that must have been reached for the rule to apply (the land handed over), and
    for ``unused`` the date the months are counted from.
``state``
    ``behind`` or ``revocable``: the state an investment takes when the rule fires (the worst
    fired rule wins).
``months``
    Counted as the Civil Code 2015 counts a time limit (art. 147-148): from the day after the
    date it counts from, ending at the end of the same day of the last month (the last day of
    that month if it has no such day). A rule therefore fires the day after the anniversary:
    land handed over on 15/04/2018 and unused is behind (12 months) from 16/04/2019, a
    milestone due on 30/06/2019 is 24 months late from 01/07/2021; a 0-month ``late`` rule
    fires the day after the due date. ``extended`` fires when the due date lies past the
    anniversary (committed 01/01/2020: moved to 01/01/2022 is within 24 months, 02/01/2022 not).
``approval_kind``
    Empty for every investment, or the approval kind it applies to (the 24-month cap of
    art. 41(4) binds projects with an investment policy approval only).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from landgis.vocabularies import APPROVAL_KIND, INVESTMENT_MILESTONES, MILESTONE, SCHEDULE_STATE

DEFAULT_RULES_FILE = Path(__file__).with_name("schedule_rules.csv")
CONDITIONS = ("late", "unused", "extended")
COLUMNS = ("rule_id", "condition", "milestone", "after", "months", "state", "approval_kind",
           "label_vi", "label_en", "basis_vi", "basis_en")


class RulesError(ValueError):
    """A rules table that cannot be used; the message names the file, row and column."""


@dataclass(frozen=True)
class Rule:
    rule_id: str
    condition: str
    milestone: str  # a milestone code or "*"
    after: str | None
    months: int
    state: str
    approval_kind: str | None
    label_vi: str
    label_en: str
    basis_vi: str
    basis_en: str

    @property
    def milestones(self) -> tuple[str, ...]:
        return INVESTMENT_MILESTONES if self.milestone == "*" else (self.milestone,)

    def as_dict(self) -> dict:
        return {"rule_id": self.rule_id, "label_vi": self.label_vi, "label_en": self.label_en,
                "basis_vi": self.basis_vi, "basis_en": self.basis_en, "state": self.state}


def _rule(row: dict, where: str) -> Rule:
    def bad(column, why):
        return RulesError(f"{where}, cột / column {column!r}: {why}")

    missing = [c for c in COLUMNS if c not in row]
    if missing:
        raise RulesError(f"{where}: thiếu cột / no column {missing[0]!r}; các cột / the columns "
                         f"are {', '.join(COLUMNS)}")
    values = {k: (row[k] or "").strip() for k in COLUMNS}
    if not values["rule_id"]:
        raise bad("rule_id", "trống / empty")
    if values["condition"] not in CONDITIONS:
        raise bad("condition", f"{values['condition']!r} không phải một trong / "
                               f"{values['condition']!r} is not one of {', '.join(CONDITIONS)}")
    for column in ("milestone", "after"):
        code = values[column]
        if code and code != "*" and code not in INVESTMENT_MILESTONES:
            raise bad(column, f"{code!r} không phải mốc của nhà đầu tư / {code!r} is not an "
                              f"investor milestone ({', '.join(INVESTMENT_MILESTONES)})")
    if not values["milestone"]:
        raise bad("milestone", "trống / empty")
    if values["condition"] == "unused" and not values["after"]:
        raise bad("after", "quy tắc 'unused' cần mốc bắt đầu tính tháng / an 'unused' rule needs "
                           "the milestone its months count from")
    try:
        months = int(values["months"])
    except ValueError:
        raise bad("months", f"{values['months']!r} không phải số nguyên / "
                            f"{values['months']!r} is not a whole number") from None
    if months < 0:
        raise bad("months", "số âm / negative")
    if values["state"] not in ("behind", "revocable"):
        raise bad("state", f"{values['state']!r} không phải 'behind' hay 'revocable' / "
                           f"{values['state']!r} is not 'behind' or 'revocable'")
    if values["approval_kind"] and values["approval_kind"] not in APPROVAL_KIND:
        raise bad("approval_kind", f"{values['approval_kind']!r} không phải một trong / "
                                   f"{values['approval_kind']!r} is not one of "
                                   f"{', '.join(APPROVAL_KIND.codes)}")
    if not values["basis_vi"]:
        raise bad("basis_vi", "mỗi quy tắc phải dẫn điều luật / every rule cites the article it "
                              "comes from")
    return Rule(values["rule_id"], values["condition"], values["milestone"],
                values["after"] or None, months, values["state"],
                values["approval_kind"] or None, values["label_vi"], values["label_en"],
                values["basis_vi"], values["basis_en"])


@lru_cache(maxsize=8)
def _load(path: str, stamp: float) -> tuple[Rule, ...]:
    rules = []
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            for n, row in enumerate(csv.DictReader(fh), start=2):
                rules.append(_rule(row, f"{path}, dòng / row {n}"))
    except OSError as exc:
        raise RulesError(f"{path}: không đọc được bảng quy tắc / cannot read the schedule rules: "
                         f"{exc.strerror}") from None
    except UnicodeDecodeError:
        raise RulesError(f"{path}: bảng quy tắc không phải UTF-8 / the schedule rules are not "
                         "UTF-8 text (save the CSV as UTF-8)") from None
    except csv.Error as exc:
        raise RulesError(f"{path}: không đọc được CSV / not a readable CSV: {exc}") from None
    ids = [r.rule_id for r in rules]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        raise RulesError(f"{path}: quy tắc {dup[0]!r} có hai lần / rule {dup[0]!r} is given twice")
    if not rules:
        raise RulesError(f"{path}: không có quy tắc nào / no rules")
    return tuple(rules)


def load_rules(path: str | Path | None = None) -> tuple[Rule, ...]:
    """The rules of ``path`` (default: the table shipped with landgis), read once per change."""
    path = Path(path) if path else DEFAULT_RULES_FILE
    try:
        stamp = path.stat().st_mtime
    except OSError:
        raise RulesError(f"{path}: không có tệp quy tắc này / no such schedule rules file") \
            from None
    return _load(str(path), stamp)


assert set(SCHEDULE_STATE.codes) >= {"behind", "revocable"}
assert set(INVESTMENT_MILESTONES) <= set(MILESTONE.codes)
