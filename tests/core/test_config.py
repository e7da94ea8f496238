import pytest

from landgis.config import DEFAULT_DATABASE, load_settings


def test_defaults():
    s = load_settings(environ={})
    assert s.database_url == str(DEFAULT_DATABASE)
    assert s.require_all is False


def test_precedence_file_then_environment_then_overrides(tmp_path):
    cfg = tmp_path / "landgis.toml"
    cfg.write_text('[landgis]\ndatabase_url = "from-file.gpkg"\nmax_features = 10\n')
    assert load_settings(cfg, environ={}).database_url == "from-file.gpkg"
    env = {"LANDGIS_DATABASE_URL": "from-env.gpkg", "LANDGIS_REQUIRE_ALL": "1"}
    s = load_settings(cfg, environ=env)
    assert (s.database_url, s.max_features, s.require_all) == ("from-env.gpkg", 10, True)
    s = load_settings(cfg, overrides={"database_url": "cli.gpkg"}, environ=env)
    assert s.database_url == "cli.gpkg"
    assert load_settings(cfg, overrides={"database_url": None}, environ=env).database_url == \
        "from-env.gpkg"


def test_unknown_key_names_the_file(tmp_path):
    cfg = tmp_path / "bad.toml"
    cfg.write_text('[landgis]\ndatabse_url = "x"\n')
    with pytest.raises(ValueError, match=r"bad.toml: unknown setting 'databse_url'"):
        load_settings(cfg, environ={})


def test_bad_value_is_reported():
    with pytest.raises(ValueError, match="bad setting"):
        load_settings(environ={"LANDGIS_MAX_FEATURES": "many"})
