"""Turn a model's reply into per-id translations, or say why it cannot be used.

Models wrap answers in reasoning blocks (``<think>…</think>``), code fences and
chatter ("Here is the translation:"); all of that is removed here, so none of it
can reach the reader.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

_REASONING = re.compile(r"<(think|thinking|reasoning|reflection)>.*?</\1>", re.DOTALL | re.IGNORECASE)
_LEADING_REASONING = re.compile(
    r"\s*<(think|thinking|reasoning|reflection)>.*?</\1>", re.DOTALL | re.IGNORECASE
)
_OPEN_REASONING = re.compile(r"<(think|thinking|reasoning|reflection)>", re.IGNORECASE)
_ANY_REASONING_TAG = re.compile(r"</?(think|thinking|reasoning|reflection)>", re.IGNORECASE)
_CLOSE_ONLY = re.compile(r"^.*?</(think|thinking|reasoning|reflection)>", re.DOTALL | re.IGNORECASE)
_CHATTER = re.compile(
    r"^\s*(?:(?:sure|okay|ok|certainly|of course)[,!. ]*)?"
    r"(?:here(?: is|'s| are) (?:the |my |your )?(?:translation|translated text|result|answer)s?[^:\n]*:"
    r"|translation\s*:|译文\s*[:：]|翻译\s*[:：]|以下是(?:翻译|译文)[^:：\n]*[:：])\s*",
    re.IGNORECASE,
)


class AnswerError(ValueError):
    """The reply as a whole is unusable (no JSON object in it)."""


def strip_reasoning(text: str, everywhere: bool = True) -> str:
    """Remove reasoning blocks.

    With ``everywhere=False`` only blocks before the answer are removed: papers
    about language models quote ``<think>`` tags, and those must survive.
    """
    if everywhere:
        text = _REASONING.sub("", text)
    else:
        while True:
            match = _LEADING_REASONING.match(text)
            if not match:
                break
            text = text[match.end() :]
    # Some servers drop the opening tag and send only "...</think>answer".
    close = _CLOSE_ONLY.match(text)
    if close and "{" not in text[: close.start(1)]:
        text = text[close.end() :]
    match = _OPEN_REASONING.search(text)
    if match and (everywhere or "{" not in text[: match.start()]):
        text = text[: match.start()]  # an unclosed reasoning block swallows the rest
    return text.strip()


def strip_chatter(text: str) -> str:
    previous = None
    while previous != text:
        previous = text
        text = _CHATTER.sub("", text, count=1)
    return text.strip()


def _json_object(text: str) -> dict[str, object]:
    start = text.find("{")
    end = text.rfind("}")
    if start < 0 or end <= start:
        raise AnswerError("the reply holds no JSON object")
    try:
        data = json.loads(text[start : end + 1])
    except json.JSONDecodeError as exc:
        raise AnswerError(f"the reply's JSON is invalid ({exc.msg})") from exc
    if not isinstance(data, dict):
        raise AnswerError("the reply's JSON is not an object")
    return data


@dataclass
class ParsedAnswer:
    texts: dict[str, str] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)


def parse_answer(reply: str, expected: list[str], sources: dict[str, str] | None = None) -> ParsedAnswer:
    """Map each expected id to its cleaned translation, or to the reason it is missing.

    ``sources`` (id → source text) lets tags the paper itself contains survive.
    Raises :class:`AnswerError` when the reply holds no usable JSON object.
    """
    data = _json_object(strip_reasoning(reply, everywhere=False))
    sources = sources or {}
    parsed = ParsedAnswer()
    for key in expected:
        value = data.get(key)
        if not isinstance(value, str):
            parsed.problems[key] = "missing from the answer" if value is None else "not a string"
            continue
        # A paper that quotes the tags (even a lone "</think>") keeps them in its translation.
        quoted = bool(_ANY_REASONING_TAG.search(sources.get(key, "")))
        text = strip_chatter(value if quoted else strip_reasoning(value))
        if not text:
            parsed.problems[key] = "empty translation"
        else:
            parsed.texts[key] = text
    return parsed
