"""One settings object for the CLI, the Python API and (later) the daemon.

Precedence: explicit overrides (CLI options) > environment (``OPENAI_API_KEY``,
``OPENAI_BASE_URL``, ``GROBID_URL``, ``TRANSLATOR_*``) > config file
(``config.toml`` in the user config directory, or ``TRANSLATOR_CONFIG``) > defaults.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import platformdirs

from . import plugins
from .errors import ConfigError

APP = "paper-translator"


def default_cache_dir() -> Path:
    return Path(platformdirs.user_cache_dir(APP))


def default_config_dir() -> Path:
    return Path(platformdirs.user_config_dir(APP))


@dataclass
class Settings:
    """Everything a run needs to know.  Field names are also the config-file
    keys and, upper-cased behind ``TRANSLATOR_``, the environment variables."""

    lang: str = "zh"
    model: str = "gpt-4o-mini"
    base_url: str | None = None
    api_key: str | None = None
    grobid_url: str = "http://localhost:8070"
    parser: str = "auto"  # auto | grobid | builtin
    concurrency: int = 8
    max_request_tokens: int = 1500
    min_request_tokens: int = 500
    requests_per_minute: int | None = None
    tokens_per_minute: int | None = None
    max_attempts: int = 6
    max_retry_seconds: float = 300.0
    retry_initial_seconds: float = 1.0
    retry_max_seconds: float = 60.0
    request_timeout: float = 180.0
    validation_retries: int = 3
    temperature: float = 0.2
    stream: bool = True  # stream answers (progress as tokens arrive); off for endpoints that cannot
    grobid_timeout: float = 60.0
    grobid_timeout_per_page: float = 6.0
    grobid_attempts: int = 6
    cache_dir: Path = field(default_factory=default_cache_dir)
    config_dir: Path = field(default_factory=default_config_dir)
    glossaries: tuple[Path, ...] = ()
    auto_glossary: bool = True
    annotate_terms: bool = False
    formats: tuple[str, ...] = ("md", "html", "json")
    mono: bool = False
    translate_tables: bool = False
    price_input: float | None = None  # currency per million prompt tokens
    price_output: float | None = None  # currency per million completion tokens

    @property
    def endpoint(self) -> str:
        return self.base_url or "https://api.openai.com/v1"

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)


_ENV_ALIASES = {
    "api_key": ("OPENAI_API_KEY",),
    "base_url": ("OPENAI_BASE_URL",),
    "grobid_url": ("GROBID_URL",),
}


def valid_parsers() -> tuple[str, ...]:
    """``auto`` (GROBID when it answers, else the built-in reader) and every registered parser."""
    return ("auto", *plugins.names(plugins.PARSERS))


def valid_formats() -> tuple[str, ...]:
    return plugins.names(plugins.RENDERERS)


def _coerce(name: str, raw: Any) -> Any:
    """Turn a config or environment value into the field's type."""
    default = next(f for f in fields(Settings) if f.name == name)
    kind = str(default.type)
    try:
        if raw is None:
            return None
        if name in ("cache_dir", "config_dir"):
            return Path(str(raw)).expanduser()
        if name == "glossaries":
            items = raw if isinstance(raw, list | tuple) else str(raw).split(os.pathsep)
            return tuple(Path(str(i)).expanduser() for i in items if str(i).strip())
        if name == "formats":
            items = raw if isinstance(raw, list | tuple) else str(raw).split(",")
            formats = tuple(str(i).strip().lower() for i in items if str(i).strip())
            known = valid_formats()
            bad = [f for f in formats if f not in known]
            if bad or not formats:
                raise ValueError(
                    f"unknown format {', '.join(bad) or '(none)'}; choose from {', '.join(known)}"
                )
            return formats
        if name == "parser":
            value = str(raw).strip().lower()
            known = valid_parsers()
            if value not in known:
                raise ValueError(f"choose {', '.join(known[:-1])} or {known[-1]}")
            return value
        if kind.startswith("bool"):
            if isinstance(raw, bool):
                return raw
            return str(raw).strip().lower() in ("1", "true", "yes", "on")
        if kind.startswith("int"):
            return int(raw)
        if kind.startswith("float"):
            return float(raw)
        return str(raw)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"invalid value {raw!r} for setting '{name}': {exc}") from exc


def load_settings(
    overrides: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
    config_file: Path | None = None,
) -> Settings:
    """Build the settings from defaults, config file, environment and overrides."""
    env = os.environ if env is None else env
    values: dict[str, Any] = {}
    names = {f.name for f in fields(Settings)}

    path = config_file or (Path(env["TRANSLATOR_CONFIG"]) if env.get("TRANSLATOR_CONFIG") else None)
    if path is None:
        config_dir = Path(env.get("TRANSLATOR_CONFIG_DIR") or default_config_dir())
        path = config_dir / "config.toml"
        explicit = False
    else:
        explicit = True
    if path.is_file():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"cannot read config file {path}: {exc}") from exc
        unknown = sorted(set(data) - names)
        if unknown:
            raise ConfigError(f"unknown key(s) {', '.join(unknown)} in {path}")
        values.update({k: _coerce(k, v) for k, v in data.items()})
    elif explicit:
        raise ConfigError(f"config file {path} does not exist")

    for name in names:
        for var in (*_ENV_ALIASES.get(name, ()), f"TRANSLATOR_{name.upper()}"):
            if env.get(var):
                values[name] = _coerce(name, env[var])

    for name, value in (overrides or {}).items():
        if name not in names:
            raise ConfigError(f"unknown setting '{name}'")
        if value is not None:
            values[name] = _coerce(name, value)

    settings = Settings(**values)
    if settings.concurrency < 1:
        raise ConfigError("--concurrency must be at least 1")
    if settings.max_request_tokens < 20:
        raise ConfigError("--max-request-tokens must be at least 20")
    return settings
