"""Note requests to the fake OpenAI-compatible server. Answers are built from the
request's own paragraphs, so a correct point can be checked: each cites a paragraph it
was made from, carries a number of that paragraph (when it has one) and puts in bold a
word of it. ``server.note_faults`` scripts bad points, one per point, in order:

- ``invent-number``: a number the paragraph does not hold;
- ``bad-id``: a paragraph id that does not exist;
- ``alien-term``: a bold English term the paper never uses;
- ``no-cites``: no paragraph cited;
- ``chatter``: words and a code fence around the whole answer (still readable).

A fix request is answered with the points made right, unless ``server.notes_stubborn``
(then the same points come back and are dropped).
"""

from __future__ import annotations

import json
import re
from typing import Any

WORD = re.compile(r"\b[A-Za-z][a-z]{7,}\b")
NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d+)?%?")


def notes_request(system: str) -> bool:
    return "reading notes" in system


def _point(server: Any, paragraph_id: str, text: str) -> dict[str, Any]:
    """A true point about one paragraph, spoiled as the next scripted fault says."""
    with server.lock:
        fault = server.note_faults.pop(0) if server.note_faults else None
        if fault:
            server.note_faults_used.append(fault)
    word = next(iter(WORD.findall(text)), "")
    number = next(iter(NUMBER.findall(text)), "")
    claim = f"本段讨论{word and f'**{word}**'}" + (f"，数值为 {number}" if number else "") + "。"
    cites = [paragraph_id]
    if fault == "invent-number":
        claim += "性能提高了 987.65%。"
    elif fault == "bad-id":
        cites = ["p-does-not-exist"]
    elif fault == "alien-term":
        claim += "它依赖**quantum blockchain synergy**。"
    elif fault == "no-cites":
        cites = []
    return {"text": claim, "cites": cites}


def _sections(server: Any, payload: dict[str, Any]) -> dict[str, Any]:
    out = []
    for section in payload.get("sections", []):
        paragraphs = list(section.get("paragraphs", {}).items())[:2]
        out.append({
            "id": section["id"],
            "points": [_point(server, pid, text) for pid, text in paragraphs],
            "formulas": list(section.get("formulas", {}))[:1],
            "figures": list(section.get("figures", {}))[:1],
        })  # fmt: skip
    return {"sections": out}


def _summary(server: Any, payload: dict[str, Any]) -> dict[str, Any]:
    sources = list(payload.get("abstract", {}).items()) + list(payload.get("conclusion", {}).items())
    parts = ("background", "previous", "method", "steps", "results", "limitations")
    if not sources:
        return {part: [] for part in parts}
    return {part: [_point(server, *sources[i % len(sources)])] for i, part in enumerate(parts)}


def _fix(server: Any, payload: dict[str, Any]) -> dict[str, Any]:
    points = payload.get("points", {})
    if server.notes_stubborn:
        return {"points": {k: {"text": v["text"], "cites": v["cites"]} for k, v in points.items()}}
    paragraphs = payload.get("paragraphs", {})
    fixed = {}
    for key, point in points.items():
        usable = [c for c in point.get("cites", []) if c in paragraphs] or list(paragraphs)[:1]
        if usable:
            with server.lock:
                saved, server.note_faults = server.note_faults, []
            fixed[key] = _point(server, usable[0], paragraphs[usable[0]])
            with server.lock:
                server.note_faults = saved
    return {"points": fixed}


def notes_answer(server: Any, system: str, user: str) -> str:
    """The answer text to one note request."""
    payload = json.loads(user)
    with server.lock:
        server.note_requests += 1
    if "failed a check" in system:
        answer = _fix(server, payload)
    elif "summary" in system:
        answer = _summary(server, payload)
    else:
        answer = _sections(server, payload)
    text = json.dumps(answer, ensure_ascii=False)
    with server.lock:
        chatter = bool(server.note_faults) and server.note_faults[0] == "chatter"
        if chatter:
            server.note_faults.pop(0)
            server.note_faults_used.append("chatter")
    return f"Here are the notes:\n```json\n{text}\n```\nHope this helps!" if chatter else text


def install(server: Any) -> None:
    """The note state a server carries."""
    server.note_faults = []
    server.note_faults_used = []
    server.notes_stubborn = False
    server.note_requests = 0
