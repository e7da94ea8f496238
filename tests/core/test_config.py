"""Settings: every field read from the TOML file and the environment, in the documented order,
with bad values refused by name; README's table names every field.

The tests go over ``dataclasses.fields(Settings)``: a field added later is tested (and must be
documented) without a new test. The command line is tested in tests/scripts/test_settings_cli.py.
"""

import dataclasses
import json
import re
from pathlib import Path

import pytest

from landgis.config import (CONFIG_VARIABLE, DEFAULT_DATABASE, PROJECT_DIR, Settings,
                            load_settings, variable)

FIELDS = dataclasses.fields(Settings)
IDS = [f.name for f in FIELDS]


def _rules_copy(where: str) -> Path:
    """A copy of the shipped schedule rules (a rules setting must name a readable table)."""
    import shutil
    import tempfile

    from landgis.progress.rules import DEFAULT_RULES_FILE

    folder = Path(tempfile.gettempdir()) / "landgis-test-rules"
    folder.mkdir(exist_ok=True)
    path = folder / f"{where}-rules.csv"
    shutil.copyfile(DEFAULT_RULES_FILE, path)
    return path


def test_a_broken_rules_table_is_refused_when_the_setting_is_read(tmp_path):
    bad = tmp_path / "rules.csv"
    bad.write_text("rule_id,condition\nx,late\n", encoding="utf-8")
    empty = tmp_path / "empty.toml"
    empty.write_text("")
    with pytest.raises(ValueError, match=r"LANDGIS_SCHEDULE_RULES.*rules.csv, .*row 2: .*no column "
                                         r"'milestone'"):
        load_settings(empty, environ={variable("schedule_rules"): str(bad)})


def three_values(f: dataclasses.Field) -> tuple:
    """Three values of the field for the file, the environment and the overrides: each differs
    from the one before it, and the first from the default."""
    default, choices = f.default, f.metadata.get("choices")
    if choices:
        others = [c for c in choices if c != default]
        return others[0], others[1 % len(others)] if len(others) > 1 else default, others[0]
    if f.metadata.get("rules"):  # a rules table is read when the setting is: real copies
        return tuple(str(_rules_copy(where)) for where in ("file", "env", "cli"))
    if f.metadata.get("date"):  # as people write them; the settings keep ISO text
        return ("2001-02-01", "2002-03-04", "2003-06-05")
    if f.type == "bool":
        return (not default, default, not default)
    if f.type == "int":
        return (default + 1, default + 2, default + 3)
    if f.type == "float":
        return (default + 0.5, default + 1.5, default + 2.5)
    if f.type in ("str", "str | None"):
        return (f"file-{f.name}", f"env-{f.name}", f"cli-{f.name}")
    raise AssertionError(f"no test values for a {f.type} setting: add them here")


def as_text(value) -> str:
    """How a person writes the value in a variable or on the command line."""
    if isinstance(value, bool):
        return "yes" if value else "off"
    return str(value)


def as_toml(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value)  # numbers, and strings as TOML basic strings


@pytest.fixture
def no_file(tmp_path):
    """An empty settings file: what a test sees does not depend on a landgis.toml nearby."""
    path = tmp_path / "empty.toml"
    path.write_text("")
    return path


def test_defaults(no_file):
    s = load_settings(no_file, environ={})
    assert s == Settings()
    assert s.database_url == str(DEFAULT_DATABASE)
    assert (s.read_open, s.secure_cookies, s.tiles_build, s.tiles_max_age) == \
        (True, False, "process", 60)


@pytest.mark.parametrize("f", FIELDS, ids=IDS)
def test_every_setting_from_the_environment(f, no_file):
    value = three_values(f)[0]
    name = variable(f.name)
    assert name == "LANDGIS_" + f.name.upper() and name != CONFIG_VARIABLE
    assert getattr(load_settings(no_file, environ={name: as_text(value)}), f.name) == value
    # an empty variable is no variable
    assert getattr(load_settings(no_file, environ={name: ""}), f.name) == f.default


@pytest.mark.parametrize("f", FIELDS, ids=IDS)
@pytest.mark.parametrize("table", ["[landgis]\n", ""], ids=["table", "top"])
def test_every_setting_from_the_toml_file(f, table, tmp_path):
    value = three_values(f)[0]
    cfg = tmp_path / "landgis.toml"
    cfg.write_text(f"{table}{f.name} = {as_toml(value)}\n")
    assert getattr(load_settings(cfg, environ={}), f.name) == value
    # the file may also be named by LANDGIS_CONFIG
    assert getattr(load_settings(environ={CONFIG_VARIABLE: str(cfg)}), f.name) == value


@pytest.mark.parametrize("f", FIELDS, ids=IDS)
def test_precedence_defaults_file_environment_overrides(f, tmp_path):
    in_file, in_env, given = three_values(f)
    cfg = tmp_path / "landgis.toml"
    cfg.write_text(f"[landgis]\n{f.name} = {as_toml(in_file)}\n")
    env = {variable(f.name): as_text(in_env)}
    assert getattr(load_settings(cfg, environ={}), f.name) == in_file
    assert getattr(load_settings(cfg, environ=env), f.name) == in_env
    assert getattr(load_settings(cfg, {f.name: as_text(given)}, env), f.name) == given
    assert getattr(load_settings(cfg, {f.name: given}, env), f.name) == given
    assert getattr(load_settings(cfg, {f.name: None}, env), f.name) == in_env


@pytest.mark.parametrize("word, meaning", [
    ("1", True), ("true", True), ("Yes", True), ("ON", True), (" on ", True),
    ("0", False), ("false", False), ("no", False), ("Off", False)])
def test_yes_no_words(word, meaning, no_file):
    s = load_settings(no_file, environ={"LANDGIS_READ_OPEN": word, "LANDGIS_WARM": word})
    assert (s.read_open, s.warm) == (meaning, meaning)


@pytest.mark.parametrize("var, text, message", [
    ("LANDGIS_READ_OPEN", "maybe", "LANDGIS_READ_OPEN = 'maybe': not a yes/no value"),
    ("LANDGIS_SECURE_COOKIES", "2", "LANDGIS_SECURE_COOKIES = '2': not a yes/no value"),
    ("LANDGIS_MAX_FEATURES", "many", "LANDGIS_MAX_FEATURES = 'many': not a whole number"),
    ("LANDGIS_MAX_FEATURES", "0", "LANDGIS_MAX_FEATURES = '0': less than 1"),
    ("LANDGIS_TILES_MAX_AGE", "1.5", "LANDGIS_TILES_MAX_AGE = '1.5': not a whole number"),
    ("LANDGIS_TILES_MAX_AGE", "-1", "LANDGIS_TILES_MAX_AGE = '-1': less than 0"),
    ("LANDGIS_AREA_TOLERANCE_PCT", "nan", "LANDGIS_AREA_TOLERANCE_PCT = 'nan': not a number"),
    ("LANDGIS_TILES_BUILD", "sometimes",
     "LANDGIS_TILES_BUILD = 'sometimes': not one of process, inline, off"),
])
def test_a_bad_variable_is_named(var, text, message, no_file):
    with pytest.raises(ValueError, match="bad setting: " + re.escape(message)):
        load_settings(no_file, environ={var: text})


@pytest.mark.parametrize("line, message", [
    ('read_open = "maybe"', "read_open = 'maybe': not a yes/no value"),
    ("max_features = 2.5", "max_features = 2.5: not a whole number"),
    ("database_url = 5", "database_url = 5: not text"),
    ('tiles_build = "later"', "tiles_build = 'later': not one of process, inline, off"),
])
def test_a_bad_value_in_the_file_names_file_and_key(line, message, tmp_path):
    cfg = tmp_path / "bad.toml"
    cfg.write_text(f"[landgis]\n{line}\n")
    with pytest.raises(ValueError, match=re.escape(f"{cfg}: {message}")):
        load_settings(cfg, environ={})
    # reported even when the environment sets the same setting
    field = line.split()[0]
    with pytest.raises(ValueError, match=re.escape(str(cfg))):
        load_settings(cfg, environ={variable(field): as_text(getattr(Settings(), field))})


def test_a_bad_override_is_named(no_file):
    with pytest.raises(ValueError, match=re.escape("tiles_build = 'x': not one of")):
        load_settings(no_file, {"tiles_build": "x"}, environ={})
    with pytest.raises(ValueError, match="read_open = 'maybe'"):
        load_settings(no_file, {"read_open": "maybe"}, environ={})


def test_unknown_key_names_the_file(tmp_path, no_file):
    cfg = tmp_path / "bad.toml"
    cfg.write_text('[landgis]\ndatabse_url = "x"\n')
    with pytest.raises(ValueError, match=r"bad.toml: .*unknown setting 'databse_url'"):
        load_settings(cfg, environ={})
    with pytest.raises(ValueError, match="unknown setting 'secure_cookie'"):
        load_settings(no_file, {"secure_cookie": True}, environ={})


def test_a_file_that_is_not_toml_is_named(tmp_path):
    cfg = tmp_path / "broken.toml"
    cfg.write_text("[landgis\nread_open = \n")
    with pytest.raises(ValueError, match=r"broken.toml: .*not valid TOML"):
        load_settings(cfg, environ={})


# ----------------------------------------------------------------------------- the README table

def readme_rows() -> dict[str, list[str]]:
    """The rows of the table in README's "Settings" section, by their first cell."""
    text = (PROJECT_DIR / "README.md").read_text()
    section = text.split("\n## Settings\n", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and cells[0].startswith("`"):
            rows[cells[0].strip("`")] = cells
    return rows


def documented_default(f: dataclasses.Field) -> str | None:
    default = f.default
    if default is None:
        return None
    if isinstance(default, bool):
        return "true" if default else "false"
    if isinstance(default, str) and default.startswith(str(PROJECT_DIR)):
        return Path(default).relative_to(PROJECT_DIR).as_posix()
    return str(default)


def test_readme_documents_every_setting():
    rows = readme_rows()
    assert set(rows) == set(IDS), "README's Settings table and the Settings fields differ"
    for f in FIELDS:
        name, var, kind, default, meaning = rows[f.name]
        assert var == f"`{variable(f.name)}`", f.name
        assert kind, f.name
        expected = documented_default(f)
        shown = re.findall(r"`([^`]*)`", default)
        if expected is None:
            assert default.startswith("none"), f.name
        else:
            assert shown[:1] == [expected], f.name
        assert meaning, f.name


def test_a_date_setting_is_read_day_first_and_kept_iso(no_file):
    got = load_settings(no_file, environ={"LANDGIS_MIN_EFFECTIVE_DATE": "01/02/2001"})
    assert got.min_effective_date == "2001-02-01"
    with pytest.raises(ValueError, match="LANDGIS_MIN_EFFECTIVE_DATE"):
        load_settings(no_file, environ={"LANDGIS_MIN_EFFECTIVE_DATE": "31/02/2001"})
