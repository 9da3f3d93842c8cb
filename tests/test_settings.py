"""One settings object; precedence CLI > environment > config file > defaults."""

from __future__ import annotations

from pathlib import Path

import pytest

from translator.errors import ConfigError
from translator.settings import Settings, StorageSettings, load_settings


def test_defaults(tmp_path: Path) -> None:
    settings = load_settings(env={"TRANSLATOR_CONFIG_DIR": str(tmp_path)})
    assert settings == Settings(storage=StorageSettings(settings.storage.cache_dir, config_dir=tmp_path))
    assert settings.lang == "zh" and settings.limits.concurrency == 8
    assert settings.output.formats == ("md", "html", "json")


def test_precedence(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text(
        'lang = "ja"\nconcurrency = 3\nmodel = "from-file"\nformats = ["md"]\n'
    )
    env = {
        "TRANSLATOR_CONFIG_DIR": str(tmp_path),
        "TRANSLATOR_CONCURRENCY": "5",
        "OPENAI_BASE_URL": "http://env/v1",
    }
    settings = load_settings({"model": "from-cli"}, env=env)
    assert settings.lang == "ja"  # config file
    assert settings.limits.concurrency == 5  # environment beats config
    assert settings.engine.model == "from-cli"  # command line beats all
    assert settings.engine.base_url == "http://env/v1"
    assert settings.output.formats == ("md",)
    # Unset CLI options (None) do not override anything.
    assert load_settings({"lang": None}, env=env).lang == "ja"


def test_our_own_variable_beats_the_generic_one(tmp_path: Path) -> None:
    env = {
        "TRANSLATOR_CONFIG_DIR": str(tmp_path),
        "OPENAI_BASE_URL": "http://a/v1",
        "TRANSLATOR_BASE_URL": "http://b/v1",
    }
    assert load_settings(env=env).engine.base_url == "http://b/v1"


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"concurrency": "many"}, "invalid value"),
        ({"concurrency": 0}, "at least 1"),
        ({"formats": "md,pdf"}, "unknown format pdf"),
        ({"nonsense": 1}, "unknown setting"),
    ],
)
def test_bad_values_are_config_errors(tmp_path: Path, overrides: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings(overrides, env={"TRANSLATOR_CONFIG_DIR": str(tmp_path)})


def test_bad_config_file(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text("colour = 'blue'\n")
    with pytest.raises(ConfigError, match="unknown key"):
        load_settings(env={"TRANSLATOR_CONFIG_DIR": str(tmp_path)})
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(config_file=tmp_path / "missing.toml", env={})


def test_sections_are_frozen_and_a_config_table_fills_its_section(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text('[engine]\nmodel = "from-table"\n[limits]\nconcurrency = 2\n')
    settings = load_settings(env={"TRANSLATOR_CONFIG_DIR": str(tmp_path)})
    assert settings.engine.model == "from-table" and settings.limits.concurrency == 2
    with pytest.raises(AttributeError):
        settings.engine.model = "changed"  # type: ignore[misc]
    (tmp_path / "config.toml").write_text('[engine]\nlang = "ja"\n')  # lang belongs to [output]
    with pytest.raises(ConfigError, match=r"unknown key\(s\) engine\.lang"):
        load_settings(env={"TRANSLATOR_CONFIG_DIR": str(tmp_path)})


def test_settings_are_validated_when_built() -> None:
    from translator.settings import LimitSettings

    with pytest.raises(ConfigError, match="at least 1"):
        Settings(limits=LimitSettings(concurrency=0))
