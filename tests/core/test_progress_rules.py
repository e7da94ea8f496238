"""The schedule rules table: the one shipped cites its articles; a table of the Board's own,
named by the ``schedule_rules`` setting, is read from its file; a broken one is refused with
the file, row and column named. (Its effect on the flags: test_progress_investments.py.)"""

import os

import pytest

from landgis.config import Settings
from landgis.progress import RulesError, load_rules

HEADER = ("rule_id,condition,milestone,after,months,state,approval_kind,label_vi,label_en,"
          "basis_vi,basis_en\n")
GOOD = "r1,late,operation,,6,behind,,Chậm,Late,Quy chế (thử),Rule (test)\n"


def test_the_shipped_rules_cite_the_law():
    rules = {r.rule_id: r for r in load_rules()}
    assert set(rules) == {"late_milestone", "extension_over_24m", "land_unused_12m",
                          "land_late_24m", "revocable_unused", "revocable_late"}
    assert (rules["land_unused_12m"].months, rules["revocable_unused"].months) == (12, 36)
    assert (rules["land_late_24m"].months, rules["revocable_late"].months) == (24, 48)
    assert rules["extension_over_24m"].approval_kind == "policy_approval"
    assert "Điều 41 khoản 4" in rules["extension_over_24m"].basis_vi
    assert "art. 48(2)(d)" in rules["revocable_late"].basis_en
    assert all(r.basis_vi and r.basis_en for r in rules.values())


def test_the_setting_names_a_table_of_the_boards_own(tmp_path):
    path = tmp_path / "rules.csv"
    path.write_text(HEADER + GOOD, encoding="utf-8")
    settings = Settings(schedule_rules=str(path))
    (rule,) = load_rules(settings.schedule_rules)
    assert (rule.rule_id, rule.milestone, rule.months, rule.state) == ("r1", "operation", 6,
                                                                       "behind")
    # an edit of the file is read again
    path.write_text(HEADER + GOOD.replace(",6,", ",9,"), encoding="utf-8")
    os.utime(path, (1, 1))
    assert load_rules(str(path))[0].months == 9


@pytest.mark.parametrize("body, where, said", [
    (GOOD.replace(",6,", ",sáu,"), "row 2, cột / column 'months'",
     "'sáu' không phải số nguyên / 'sáu' is not a whole number"),
    (GOOD + GOOD.replace("r1,late", "r2,slow"), "row 3, cột / column 'condition'",
     "'slow' không phải một trong / 'slow' is not one of late, unused, extended"),
    (GOOD.replace("operation", "completion"), "row 2, cột / column 'milestone'",
     "'completion' không phải mốc của nhà đầu tư / 'completion' is not an investor milestone"),
    (GOOD.replace("behind", "late"), "row 2, cột / column 'state'",
     "'late' is not 'behind' or 'revocable'"),
    (GOOD.replace(",6,behind,,", ",6,behind,policy,"), "row 2, cột / column 'approval_kind'",
     "'policy' is not one of policy_approval, registration"),
    (GOOD.replace("Quy chế (thử)", ""), "row 2, cột / column 'basis_vi'",
     "every rule cites the article it comes from"),
    (GOOD.replace("r1,late,operation,,", "r1,unused,operation,,"), "row 2, cột / column 'after'",
     "an 'unused' rule needs the milestone its months count from"),
    (GOOD.replace(",6,", ",-1,"), "row 2, cột / column 'months'", "số âm / negative"),
    (GOOD + GOOD, "", "quy tắc 'r1' có hai lần / rule 'r1' is given twice"),
    ("", "", "không có quy tắc nào / no rules"),
])
def test_a_broken_table_names_its_file_row_and_column(tmp_path, body, where, said):
    path = tmp_path / "rules.csv"
    path.write_text(HEADER + body, encoding="utf-8")
    with pytest.raises(RulesError) as err:
        load_rules(str(path))
    assert str(err.value).startswith(f"{path}")
    assert where in str(err.value) and said in str(err.value)


def test_a_table_not_in_utf8_or_missing_a_column_or_missing(tmp_path):
    path = tmp_path / "rules.csv"
    path.write_bytes((HEADER + GOOD).encode("utf-16"))
    with pytest.raises(RulesError, match="không phải UTF-8 / the schedule rules are not UTF-8"):
        load_rules(str(path))
    path.write_text(HEADER.replace(",months", "") + GOOD, encoding="utf-8")
    with pytest.raises(RulesError, match=r"row 2: thiếu cột / no column 'months'"):
        load_rules(str(path))
    with pytest.raises(RulesError, match="không có tệp quy tắc này / no such schedule rules"):
        load_rules(str(tmp_path / "none.csv"))
