"""The options every translating command takes (``translate PAPER``, ``batch``, ``watch``),
declared once, and the settings they build."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from ..settings import FORMULA_CHOICES, INLINE_MATH_CHOICES, Settings, load_settings, valid_parsers

F = TypeVar("F", bound=Callable[..., Any])

SETTINGS_OPTIONS = [
    click.option("-l", "--lang", help="Target language code (zh, ja, ko, fr, de, ...). Default: zh."),
    click.option("--model", help="Model name at the endpoint. Default: gpt-4o-mini."),
    click.option(
        "--base-url", help="OpenAI-compatible endpoint (env OPENAI_BASE_URL), e.g. http://localhost:11434/v1."
    ),
    click.option("--grobid-url", help="GROBID service (env GROBID_URL). Default: http://localhost:8070."),
    click.option(
        "--parser",
        metavar="[" + "|".join(valid_parsers()) + "]",  # checked by the settings, which know the plugins too
        help="PDF reader: GROBID, the built-in reader, or auto (GROBID when it answers). Default: auto.",
    ),
    click.option(
        "--translate-tables",
        is_flag=True,
        default=None,
        help="Translate table cells too (numbers and symbols are kept). Default: cells stay as printed.",
    ),
    click.option(
        "--concurrency",
        type=int,
        help="Requests in flight at the start; grows while the server keeps up. Default: 8.",
    ),
    click.option(
        "--max-concurrency",
        type=int,
        help="Most requests in flight the run may grow to. Default: twice --concurrency.",
    ),
    click.option("--max-request-tokens", type=int, help="Source tokens per request at most. Default: 1500."),
    click.option("--rpm", "requests_per_minute", type=int, help="Client-side limit on requests per minute."),
    click.option("--tpm", "tokens_per_minute", type=int, help="Client-side limit on tokens per minute."),
    click.option(
        "--timeout", "request_timeout", type=float, help="Seconds to wait for one API answer. Default: 180."
    ),
    click.option(
        "--cache-dir",
        type=click.Path(path_type=Path),
        help="Translation cache folder (env TRANSLATOR_CACHE_DIR).",
    ),
    click.option("--format", "formats", help="Outputs to write: any of md,html,json. Default: all three."),
    click.option("--mono", is_flag=True, default=None, help="Translation only, without the original text."),
    click.option(
        "--price",
        help="INPUT,OUTPUT[,CACHED] price per million tokens, to report the cost; CACHED: prompt tokens the "
        "provider reads from its prompt cache (default: as INPUT).",
    ),
    click.option(
        "--max-cost", "max_cost", type=float, help="Stop before the run would cost more (needs --price)."
    ),
    click.option(
        "--max-requests",
        "max_requests",
        type=int,
        help="Stop before sending more requests. Default: 1.5 × the planned ones (at least planned + 20).",
    ),
    click.option(
        "--max-tokens", "max_tokens", type=int, help="Stop before prompt + completion tokens pass this."
    ),
    click.option(
        "--glossary",
        "glossaries",
        multiple=True,
        type=click.Path(path_type=Path, exists=True, dir_okay=False),
        help="CSV source,target[,note]; repeatable; overrides extracted terms. Empty target = keep.",
    ),
    click.option(
        "--no-auto-glossary", "auto_glossary", flag_value=False, default=None, help="Do not extract terms."
    ),
    click.option(
        "--annotate-terms",
        type=click.Choice(["first", "all"]),
        is_flag=False,
        flag_value="first",
        default=None,
        help="Follow each term's translation by the original: its first use (alone: first) or all.",
    ),
    click.option(
        "--term-style",
        type=click.Choice(["paren", "bold"]),
        help="How --annotate-terms shows the original: 强化学习（reinforcement learning） or 强化学习**reinforcement learning**.",
    ),
    click.option(
        "--formulas",
        type=click.Choice(FORMULA_CHOICES),
        help="Display formulas: LaTeX read from their image by a vision model (checked), the image, or "
        "the text. Default: latex (image when the model takes no images).",
    ),
    click.option(
        "--inline-math",
        type=click.Choice(INLINE_MATH_CHOICES),
        help="latex: the model writes symbols in paragraphs as $…$ LaTeX, each checked (else plain). Default: text.",
    ),
    click.option("--formula-model", help="A vision model for the formulas (default: --model)."),
    click.option(
        "--batch-api",
        is_flag=True,
        default=None,
        help="Send the requests through the endpoint's Batch API: half price, answers within 24 h.",
    ),
    click.option(
        "--notes",
        is_flag=True,
        default=None,
        help="Also write reading notes: <stem>.<lang>.notes.md/.html/.json (see: translate notes --help).",
    ),
    click.option(
        "--keep-unverified",
        is_flag=True,
        default=None,
        help="Notes: show points that fail the checks against the paper, marked, instead of dropping them.",
    ),
    click.option(
        "--notes-template",
        type=click.Path(path_type=Path, exists=True, dir_okay=False),
        help="Notes: your Jinja2 template for the Markdown (start from templates/notes.md.j2).",
    ),
    click.option("--config", "config_file", type=click.Path(path_type=Path), help="Settings file (TOML)."),
    click.option("-v", "--verbose", is_flag=True, help="Print the full run report."),
    click.option("-q", "--quiet", is_flag=True, help="Print errors only."),
]


def settings_options(command: F) -> F:
    """Add every settings option to a command, in the order ``--help`` lists them."""
    for option in reversed(SETTINGS_OPTIONS):
        command = option(command)
    return command


PRICE_HELP = "use INPUT,OUTPUT[,CACHED] prices per million tokens, e.g. 0.15,0.60 or 0.15,0.60,0.075"


def price(value: str | None) -> tuple[float | None, float | None, float | None]:
    """``--price``: input, output and cached-input prices (one number: input and output)."""
    if not value:
        return None, None, None
    try:
        parts = [float(p) for p in value.split(",")]
    except ValueError as exc:
        raise click.BadParameter(PRICE_HELP) from exc
    if len(parts) == 1:
        return parts[0], parts[0], None
    if len(parts) not in (2, 3):
        raise click.BadParameter(PRICE_HELP)
    return parts[0], parts[1], parts[2] if len(parts) == 3 else None


def settings_from(options: dict[str, Any], price_text: str | None, config_file: Path | None) -> Settings:
    """The settings: these options over the environment, the config file and the defaults."""
    price_in, price_out, price_cached = price(price_text)
    values = {k: v for k, v in options.items() if k != "glossaries" or v}
    prices = {"price_input": price_in, "price_output": price_out, "price_cached_input": price_cached}
    return load_settings({**values, **prices}, config_file=config_file)
