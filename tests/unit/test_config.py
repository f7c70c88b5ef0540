import pytest

from server.config import SETTINGS, ConfigError, load, settings_reference


def test_defaults_need_nothing(tmp_path):
    settings = load(environ={}, config_file=None, overrides={"data_dir": str(tmp_path)})
    assert settings.port == 8080
    assert settings.host == "127.0.0.1"
    assert settings.celebrity_threshold == 10_000
    assert settings.resolved_database_url == f"sqlite:///{tmp_path}/photoshare.db"


def test_data_dir_defaults_to_user_data_folder():
    settings = load(environ={}, config_file=None)
    assert "photoshare" in settings.data_dir


def test_precedence_file_then_environment_then_overrides(tmp_path):
    config = tmp_path / "photoshare.toml"
    config.write_text('port = 9000\nregistration = "invite"\ncelebrity_threshold = 5\n')
    environ = {"PHOTOSHARE_CONFIG": str(config), "PHOTOSHARE_PORT": "9100"}
    settings = load(environ=environ, overrides={"data_dir": str(tmp_path)})
    assert settings.registration == "invite"
    assert settings.celebrity_threshold == 5
    assert settings.port == 9100
    assert load(environ=environ, overrides={"port": 9200, "data_dir": str(tmp_path)}).port == 9200


@pytest.mark.parametrize("environ, fragment", [
    ({"PHOTOSHARE_PORT": "eighty"}, "PHOTOSHARE_PORT"),
    ({"PHOTOSHARE_REGISTRATION": "sometimes"}, "open, invite, closed"),
])
def test_bad_values_name_the_setting(environ, fragment):
    with pytest.raises(ConfigError, match=fragment):
        load(environ=environ, config_file=None)


def test_unknown_key_in_file_is_refused(tmp_path):
    config = tmp_path / "bad.toml"
    config.write_text("prot = 1\n")
    with pytest.raises(ConfigError, match="unknown setting 'prot'"):
        load(environ={}, config_file=str(config))


def test_settings_reference_in_docs_is_current():
    """docs/settings.md is generated from the settings table; regenerate with `photoshare settings --markdown`."""
    from pathlib import Path

    docs = Path(__file__).resolve().parents[2] / "docs" / "settings.md"
    assert docs.read_text(encoding="utf-8") == settings_reference()
    for setting in SETTINGS:
        assert setting.env_var in docs.read_text(encoding="utf-8")
