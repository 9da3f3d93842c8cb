"""One settings object; precedence CLI > environment > config file > defaults."""

from __future__ import annotations

from pathlib import Path

import pytest

from translator.errors import ConfigError
from translator.settings import Settings, load_settings


def test_defaults(tmp_path: Path) -> None:
    settings = load_settings(env={"TRANSLATOR_CONFIG_DIR": str(tmp_path)})
    assert settings == Settings(cache_dir=settings.cache_dir, config_dir=tmp_path)
    assert settings.lang == "zh" and settings.concurrency == 8 and settings.formats == ("md", "html", "json")


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
    assert settings.concurrency == 5  # environment beats config
    assert settings.model == "from-cli"  # command line beats all
    assert settings.base_url == "http://env/v1"
    assert settings.formats == ("md",)
    # Unset CLI options (None) do not override anything.
    assert load_settings({"lang": None}, env=env).lang == "ja"


def test_our_own_variable_beats_the_generic_one(tmp_path: Path) -> None:
    env = {
        "TRANSLATOR_CONFIG_DIR": str(tmp_path),
        "OPENAI_BASE_URL": "http://a/v1",
        "TRANSLATOR_BASE_URL": "http://b/v1",
    }
    assert load_settings(env=env).base_url == "http://b/v1"


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
