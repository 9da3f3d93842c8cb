"""One settings object for the CLI, the Python API and (later) the daemon, in sections.

Each component takes only its section: the engine its :class:`EngineSettings`, the
parsers :class:`ParserSettings`, the renderers :class:`OutputSettings`, the glossary
:class:`GlossarySettings`, the scheduler and planner :class:`LimitSettings`. Every
section is frozen and the whole is validated when it is built.

Every field is also a config-file key (flat, or under its section's table:
``[engine] model = …``) and an environment variable ``TRANSLATOR_<FIELD>``.
Precedence: explicit overrides (CLI options) > environment (``OPENAI_API_KEY``,
``OPENAI_BASE_URL``, ``GROBID_URL``, ``TRANSLATOR_*``) > config file
(``config.toml`` in the user config directory, or ``TRANSLATOR_CONFIG``) > defaults.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import platformdirs

from . import plugins
from .errors import ConfigError
from .urls import redact

APP = "paper-translator"
AFTER_CHOICES = ("keep", "move", "delete")
ANNOTATE_CHOICES = ("off", "first", "all")
TERM_STYLES = ("paren", "bold")
FORMULA_CHOICES = ("latex", "image", "text")
INLINE_MATH_CHOICES = ("text", "latex")


def default_cache_dir() -> Path:
    return Path(platformdirs.user_cache_dir(APP))


def default_config_dir() -> Path:
    return Path(platformdirs.user_config_dir(APP))


@dataclass(frozen=True)
class EngineSettings:
    """The chat API and how to ask it."""

    model: str = "gpt-4o-mini"
    base_url: str | None = None
    api_key: str | None = None
    temperature: float = 0.2
    stream: bool = True  # stream answers (progress as tokens arrive); off for endpoints that cannot
    request_timeout: float = 180.0
    max_attempts: int = 6
    max_retry_seconds: float = 300.0
    retry_initial_seconds: float = 1.0
    retry_max_seconds: float = 60.0
    max_retry_after_seconds: float = 120.0  # the longest single wait a server's Retry-After gets
    validation_retries: int = 3
    batch_api: bool = False  # send a run's requests through the Batch API (half price, within 24 h)
    batch_poll_seconds: float = 30.0
    batch_price_factor: float = 0.5  # a Batch API token's price, as a share of the list price
    formula_model: str | None = None  # a vision model for display formulas (default: the run's model)

    @property
    def endpoint(self) -> str:
        """The endpoint as reports, logs and cache rows name it: without any credentials
        written into the URL (the connection itself uses ``base_url``)."""
        return redact(self.base_url or "https://api.openai.com/v1")


@dataclass(frozen=True)
class ParserSettings:
    """Which reader turns the PDF into a document, and how GROBID is asked."""

    parser: str = "auto"  # auto | grobid | builtin | a registered parser
    grobid_url: str = "http://localhost:8070"
    grobid_timeout: float = 60.0
    grobid_timeout_per_page: float = 6.0
    grobid_attempts: int = 6
    translate_tables: bool = False


@dataclass(frozen=True)
class OutputSettings:
    """What is written: the target language, the formats, bilingual or not."""

    lang: str = "zh"
    formats: tuple[str, ...] = ("md", "html", "json")
    mono: bool = False
    formulas: str = "latex"  # latex (asked of a vision model, checked) | image | text
    inline_math: str = "text"  # latex: symbols in paragraphs written as checked $…$ LaTeX
    notes: bool = False  # reading notes beside the translation (<stem>.<lang>.notes.md/.html/.json)
    notes_only: bool = False  # the notes alone (translate notes): only titles and captions translated
    notes_template: str | None = None  # the user's Jinja2 template for the notes' Markdown
    keep_unverified: bool = False  # show failing note points, marked, instead of dropping them


@dataclass(frozen=True)
class GlossarySettings:
    glossaries: tuple[Path, ...] = ()
    auto_glossary: bool = True
    annotate_terms: str = "off"  # off | first | all: each term's translation followed by its original
    term_style: str = (
        "paren"  # paren: 强化学习（reinforcement learning） | bold: 强化学习**reinforcement learning**
    )


@dataclass(frozen=True)
class LimitSettings:
    """How much is asked at once and what it costs."""

    concurrency: int = 8
    max_concurrency: int | None = None  # None: twice --concurrency (see in_flight_ceiling)
    max_request_tokens: int = 1500
    min_request_tokens: int = 500
    requests_per_minute: int | None = None
    tokens_per_minute: int | None = None
    price_input: float | None = None  # currency per million prompt tokens
    price_output: float | None = None  # currency per million completion tokens
    price_cached_input: float | None = None  # per million prompt tokens read from the provider's cache
    max_requests: int | None = None  # caps on what one run may spend (None: none; see engine/budget.py)
    max_tokens: int | None = None
    max_cost: float | None = None


def in_flight_ceiling(limits: LimitSettings) -> int:
    """The most requests in flight the run may find the server takes: --max-concurrency,
    by default twice --concurrency (where the run starts)."""
    return max(limits.concurrency, limits.max_concurrency or 2 * limits.concurrency)


@dataclass(frozen=True)
class StorageSettings:
    cache_dir: Path = field(default_factory=default_cache_dir)
    config_dir: Path = field(default_factory=default_config_dir)


@dataclass(frozen=True)
class ServiceSettings:
    """The watch folder and batch runs: how many papers at once, when a file is complete,
    what happens to it after, and the limits of an unattended service."""

    papers: int = 2  # papers in flight at once (their requests share the one scheduler)
    settle_seconds: float = 5.0  # a file is taken once unchanged for this long
    rescan_seconds: float = 60.0  # a full scan this often, besides file events
    polling: bool = False  # poll instead of file events (network folders)
    after: str = "keep"  # keep | move | delete: the input once its outputs are written
    daily_cost: float | None = None  # spend cap per UTC day, over all papers (needs the prices)
    max_pages: int | None = None
    max_file_mb: float | None = None
    job_attempts: int = 5  # tries of a paper that fails for a passing cause, before it is set aside
    job_retry_seconds: float = 60.0  # first wait before such a try; doubles, at most an hour
    log_json: bool = False  # events as JSON lines


@dataclass(frozen=True)
class WorkerSettings:
    """Workers on many machines (``translate worker``/``submit``/``status``)."""

    broker: str | None = None  # redis://HOST:PORT/DB
    heartbeat_seconds: float = 60.0  # a worker silent this long is taken for dead; its paper moves on
    deliveries: int = 3  # deliveries of one job (its workers died on it) before it fails


@dataclass(frozen=True)
class Settings:
    """Everything a run needs to know, in sections; validated when built."""

    engine: EngineSettings = field(default_factory=EngineSettings)
    parser: ParserSettings = field(default_factory=ParserSettings)
    output: OutputSettings = field(default_factory=OutputSettings)
    glossary: GlossarySettings = field(default_factory=GlossarySettings)
    limits: LimitSettings = field(default_factory=LimitSettings)
    storage: StorageSettings = field(default_factory=StorageSettings)
    service: ServiceSettings = field(default_factory=ServiceSettings)
    workers: WorkerSettings = field(default_factory=WorkerSettings)

    def __post_init__(self) -> None:
        if self.limits.concurrency < 1:
            raise ConfigError("--concurrency must be at least 1")
        if self.limits.max_concurrency is not None and self.limits.max_concurrency < 1:
            raise ConfigError("--max-concurrency must be at least 1")
        if self.limits.max_request_tokens < 20:
            raise ConfigError("--max-request-tokens must be at least 20")
        if self.limits.max_cost is not None and not (self.limits.price_input or self.limits.price_output):
            raise ConfigError("--max-cost needs the prices: pass --price INPUT,OUTPUT (per million tokens)")
        if self.service.daily_cost is not None and not (self.limits.price_input or self.limits.price_output):
            raise ConfigError("--daily-cost needs the prices: pass --price INPUT,OUTPUT (per million tokens)")
        if self.output.formulas not in FORMULA_CHOICES:
            raise ConfigError(
                f"--formulas must be one of {', '.join(FORMULA_CHOICES)}, not {self.output.formulas!r}"
            )
        if self.output.inline_math not in INLINE_MATH_CHOICES:
            raise ConfigError(f"--inline-math must be one of {', '.join(INLINE_MATH_CHOICES)}")
        if self.glossary.annotate_terms not in ANNOTATE_CHOICES:
            raise ConfigError(f"--annotate-terms must be one of {', '.join(ANNOTATE_CHOICES)}")
        if self.glossary.term_style not in TERM_STYLES:
            raise ConfigError(f"--term-style must be one of {', '.join(TERM_STYLES)}")
        if self.service.after not in AFTER_CHOICES:
            raise ConfigError(
                f"--after must be one of {', '.join(AFTER_CHOICES)}, not {self.service.after!r}"
            )
        if self.service.papers < 1:
            raise ConfigError("--papers must be at least 1")

    @property
    def lang(self) -> str:
        """The target language, which the engine, the glossary and the renderers all need."""
        return self.output.lang

    def with_values(self, **changes: Any) -> Settings:
        """A copy with some fields changed, named flat as in the config file."""
        sections: dict[str, dict[str, Any]] = {}
        for name, value in changes.items():
            sections.setdefault(_section_of(name), {})[name] = value
        return dataclasses.replace(
            self, **{s: dataclasses.replace(getattr(self, s), **v) for s, v in sections.items()}
        )


SECTIONS: dict[str, type[Any]] = {
    "engine": EngineSettings,
    "parser": ParserSettings,
    "output": OutputSettings,
    "glossary": GlossarySettings,
    "limits": LimitSettings,
    "storage": StorageSettings,
    "service": ServiceSettings,
    "workers": WorkerSettings,
}
FIELDS: dict[str, str] = {f.name: section for section, cls in SECTIONS.items() for f in fields(cls)}
_ENV_ALIASES = {
    "api_key": ("OPENAI_API_KEY",),
    "base_url": ("OPENAI_BASE_URL",),
    "grobid_url": ("GROBID_URL",),
}


def _section_of(name: str) -> str:
    try:
        return FIELDS[name]
    except KeyError:
        raise ConfigError(f"unknown setting '{name}'") from None


def valid_parsers() -> tuple[str, ...]:
    """``auto`` (GROBID when it answers, else the built-in reader) and every registered parser."""
    return ("auto", *plugins.names(plugins.PARSERS))


def valid_formats() -> tuple[str, ...]:
    return plugins.names(plugins.RENDERERS)


def _paths(raw: Any) -> tuple[Path, ...]:
    items = raw if isinstance(raw, list | tuple) else str(raw).split(os.pathsep)
    return tuple(Path(str(i)).expanduser() for i in items if str(i).strip())


def _formats(raw: Any) -> tuple[str, ...]:
    items = raw if isinstance(raw, list | tuple) else str(raw).split(",")
    formats = tuple(str(i).strip().lower() for i in items if str(i).strip())
    known = valid_formats()
    bad = [f for f in formats if f not in known]
    if bad or not formats:
        raise ValueError(f"unknown format {', '.join(bad) or '(none)'}; choose from {', '.join(known)}")
    return formats


def _parser(raw: Any) -> str:
    value = str(raw).strip().lower()
    known = valid_parsers()
    if value not in known:
        raise ValueError(f"choose {', '.join(known[:-1])} or {known[-1]}")
    return value


def _bool(raw: Any) -> bool:
    return raw if isinstance(raw, bool) else str(raw).strip().lower() in ("1", "true", "yes", "on")


def _annotate(raw: Any) -> str:
    """``annotate_terms``: first, all or off; true/false as the flag it once was."""
    text = str(raw).strip().lower()
    return {
        "true": "first",
        "1": "first",
        "yes": "first",
        "on": "first",
        "false": "off",
        "0": "off",
        "no": "off",
        "": "off",
    }.get(text, text)


_BY_NAME: dict[str, Callable[[Any], Any]] = {
    "annotate_terms": _annotate,
    "cache_dir": lambda raw: Path(str(raw)).expanduser(),
    "config_dir": lambda raw: Path(str(raw)).expanduser(),
    "glossaries": _paths,
    "formats": _formats,
    "parser": _parser,
}
_BY_TYPE: dict[str, Callable[[Any], Any]] = {"bool": _bool, "int": int, "float": float}


def _coerce(name: str, raw: Any) -> Any:
    """Turn a config or environment value into the field's type."""
    section = SECTIONS[_section_of(name)]
    kind = str(next(f for f in fields(section) if f.name == name).type).split(" ")[0]
    convert = _BY_NAME.get(name) or _BY_TYPE.get(kind, str)
    try:
        return None if raw is None else convert(raw)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"invalid value {raw!r} for setting '{name}': {exc}") from exc


def _config_path(env: Mapping[str, str], config_file: Path | None) -> tuple[Path, bool]:
    """The config file to read, and whether it was named (then it must exist)."""
    path = config_file or (Path(env["TRANSLATOR_CONFIG"]) if env.get("TRANSLATOR_CONFIG") else None)
    if path is not None:
        return path, True
    return Path(env.get("TRANSLATOR_CONFIG_DIR") or default_config_dir()) / "config.toml", False


def _from_file(path: Path, explicit: bool) -> dict[str, Any]:
    """The file's values, flat; a section's table (``[engine]``) holds that section's keys."""
    if not path.is_file():
        if explicit:
            raise ConfigError(f"config file {path} does not exist")
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read config file {path}: {exc}") from exc
    flat: dict[str, Any] = {}
    for key, value in data.items():
        if key in SECTIONS and isinstance(value, dict):
            flat.update({f"{key}.{k}": v for k, v in value.items()})
        else:
            flat[key] = value
    unknown = sorted(k for k in flat if k.split(".")[-1] not in FIELDS or _misplaced(k))
    if unknown:
        raise ConfigError(f"unknown key(s) {', '.join(unknown)} in {path}")
    return {k.split(".")[-1]: _coerce(k.split(".")[-1], v) for k, v in flat.items()}


def _misplaced(key: str) -> bool:
    """``[engine] lang = …``: a known field under another section's table."""
    section, _, name = key.rpartition(".")
    return bool(section) and FIELDS.get(name) != section


def _from_env(env: Mapping[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in FIELDS:
        for var in (*_ENV_ALIASES.get(name, ()), f"TRANSLATOR_{name.upper()}"):
            if env.get(var):
                values[name] = _coerce(name, env[var])
    return values


def load_settings(
    overrides: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
    config_file: Path | None = None,
) -> Settings:
    """Build the settings from defaults, config file, environment and overrides."""
    env = os.environ if env is None else env
    values = _from_file(*_config_path(env, config_file))
    values.update(_from_env(env))
    for name, value in (overrides or {}).items():
        _section_of(name)
        if value is not None:
            values[name] = _coerce(name, value)
    return Settings().with_values(**values)
