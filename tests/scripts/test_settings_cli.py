"""Every setting on every script's command line: ``--setting NAME=VALUE`` over the TOML file and
the ``LANDGIS_*`` variables, ``--db`` over both; bad names and values refused by name."""

import dataclasses

import pytest

from landgis.accounts import open_accounts
from landgis.config import Settings, variable
from tests.core.test_config import FIELDS, IDS, as_text, as_toml, three_values

from landgis_scripts import _cli  # noqa: E402 - the shared options of every command


@pytest.fixture
def clean_env(monkeypatch):
    """No LANDGIS_* variable of the test run (CI sets LANDGIS_REQUIRE_ALL) decides anything."""
    for f in FIELDS:
        monkeypatch.delenv(variable(f.name), raising=False)
    monkeypatch.delenv("LANDGIS_CONFIG", raising=False)
    return monkeypatch


def command_line(argv: list[str]) -> Settings:
    """The settings a script with sub-commands builds from ``argv`` (as layer_versions.py)."""
    p = _cli.parser("test")
    sub = p.add_subparsers(dest="command")
    sub.add_parser("list", parents=[_cli.parser("", add_help=False)])
    return _cli.settings(p.parse_args(argv))


@pytest.mark.parametrize("f", FIELDS, ids=IDS)
def test_every_setting_on_the_command_line(f, tmp_path, clean_env):
    empty = tmp_path / "empty.toml"
    empty.write_text("")
    value = three_values(f)[0]
    given = ["--config", str(empty), "--setting", f"{f.name}={as_text(value)}"]
    assert getattr(command_line(given), f.name) == value
    assert getattr(command_line(["list", *given]), f.name) == value  # after a sub-command


@pytest.mark.parametrize("f", FIELDS, ids=IDS)
def test_command_line_over_environment_over_file(f, tmp_path, clean_env):
    in_file, in_env, given = three_values(f)
    cfg = tmp_path / "landgis.toml"
    cfg.write_text(f"[landgis]\n{f.name} = {as_toml(in_file)}\n")
    assert getattr(command_line(["--config", str(cfg)]), f.name) == in_file
    clean_env.setenv(variable(f.name), as_text(in_env))
    assert getattr(command_line(["--config", str(cfg)]), f.name) == in_env
    argv = ["--config", str(cfg), "--setting", f"{f.name}={as_text(given)}"]
    assert getattr(command_line(argv), f.name) == given


def test_db_wins_and_settings_add_up_across_a_sub_command(clean_env):
    s = command_line(["--setting", "database_url=a.gpkg", "--setting", "max_features=7",
                      "list", "--setting", "tiles_max_age=9", "--db", "b.gpkg"])
    assert (s.database_url, s.max_features, s.tiles_max_age) == ("b.gpkg", 7, 9)
    s = command_line(["--setting", "max_features=7", "--setting", "max_features=8"])
    assert s.max_features == 8  # the last one given
    assert command_line(["--setting", "basemap_raster="]).basemap_raster == ""


@pytest.mark.parametrize("argv, message", [
    (["--setting", "read_open"], "write NAME=VALUE"),
    (["--setting", "read_opn=0"], "unknown setting 'read_opn'"),
])
def test_a_bad_setting_option_is_a_usage_error(argv, message, capsys, clean_env):
    with pytest.raises(SystemExit) as exit_:
        command_line(argv)
    assert exit_.value.code == 2 and message in capsys.readouterr().err


@pytest.mark.backends("gpkg")  # where a script puts its files: one backend says it
def test_a_script_takes_any_setting(script, store, tmp_path):
    inst = tmp_path / "elsewhere"
    out = script("manage_users.py", "add", "binh", "--db", store.url,
                 "--setting", f"instance_dir={inst}",
                 env={"LANDGIS_NEW_PASSWORD": "mật-khẩu-đủ-dài", "LANDGIS_INSTANCE_DIR": ""})
    assert out.returncode == 0, out.stderr
    assert [a.username for a in open_accounts(store.url, str(inst)).list()] == ["binh"]


@pytest.mark.backends("gpkg")
@pytest.mark.parametrize("args, env, code, message", [
    (["--setting", "max_features=many"], {}, 1, "max_features = 'many': not a whole number"),
    ([], {"LANDGIS_TILES_BUILD": "later"}, 1, "LANDGIS_TILES_BUILD = 'later': not one of"),
    (["--setting", "nothing=1"], {}, 2, "unknown setting 'nothing'"),
])
def test_a_script_refuses_a_bad_setting(script, store, args, env, code, message):
    before = store.version()
    out = script("layer_versions.py", "list", "--db", store.url, *args, env=env)
    assert out.returncode == code and message in out.stderr, out.stderr
    assert store.version() == before


def test_every_setting_is_in_the_help():
    text = _cli.parser("test").format_help()
    assert "--setting NAME=VALUE" in text
    assert all(f.name in text for f in dataclasses.fields(Settings))
