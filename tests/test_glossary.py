"""Terminology: CSV files, matching, extraction, enforcement against the fake servers."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from translator.errors import ConfigError
from translator.glossary.entries import Entry, Glossary, load_csv, write_csv
from translator.glossary.extract import acronym_definitions, candidates
from translator.glossary.matcher import TermMatcher, _prefix, _prefixes, complies, term_pattern
from translator.model import Segment
from translator.results import Results, Translation
from translator.settings import load_settings
from translator.terminology import annotate_terms, check_consistency

from .fixtures import translate_tei, write_small_tei
from .servers.fake_llm import FakeLLM, pseudo_translate


def test_csv_round_trip_and_keep(tmp_path: Path) -> None:
    path = tmp_path / "g.csv"
    path.write_text(
        "source,target,note\nreinforcement learning,强化学习,field term\nSPOT,,\nQT-Opt,QT-Opt\n# comment\n"
    )
    entries = load_csv(path)
    assert [(e.source, e.target, e.keep) for e in entries] == [
        ("reinforcement learning", "强化学习", False),
        ("SPOT", "", True),
        ("QT-Opt", "QT-Opt", True),
    ]
    write_csv(tmp_path / "out.csv", entries)
    assert load_csv(tmp_path / "out.csv") == entries
    (tmp_path / "bad.csv").write_text("a,b,c,d\n")
    with pytest.raises(ConfigError, match="expected source,target"):
        load_csv(tmp_path / "bad.csv")


def test_user_entries_override_extracted_ones() -> None:
    glossary = Glossary([Entry("policy", "策略")])
    glossary.merge_under([Entry("policy", "政策", origin="auto"), Entry("reward", "奖励", origin="auto")])
    assert glossary.get("Policy") == Entry("policy", "策略")
    assert glossary.get("reward") is not None and len(glossary) == 2
    v1 = glossary.version()
    glossary.add(Entry("reward", "回报"))
    assert glossary.version() != v1


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Reinforcement learning works.", ["Reinforcement learning"]),
        ("reinforcement-learning agents", ["reinforcement-learning"]),
        ("reinforce- ment learn- ing helps", ["reinforce- ment learn- ing"]),
        ("deep reinforcement learning (RL) agents", ["reinforcement learning (RL)"]),
        ("two policies and a policy", ["policies", "policy"]),
        ("SPOT and SPOTs but not spot", ["SPOT", "SPOTs"]),
        ("Q functions and the Q-function", ["Q functions", "Q-function"]),
    ],
)
def test_matching_is_tolerant(text: str, expected: list[str]) -> None:
    matcher = TermMatcher(
        [
            Entry("reinforcement learning", "强化学习"),
            Entry("policy", "策略"),
            Entry("SPOT"),
            Entry("Q-function", "Q函数"),
        ]
    )
    assert [text[o.start : o.end] for o in matcher.find(text)] == expected


def test_compliance() -> None:
    assert complies(Entry("policy", "策略"), "最优策略")
    assert not complies(Entry("policy", "策略"), "最优政策")
    assert complies(Entry("SPOT"), "我们的 SPOT 方法")
    assert not complies(Entry("SPOT"), "我们的点方法")


def test_acronym_definitions_and_candidates() -> None:
    text = (
        "We use reinforcement learning (RL) with a convolutional neural network (CNN) and "
        "Soft Actor-Critic (SAC). The RL agent and the CNN encoder beat QT-Opt and QT-Opt variants. "
        "The reward function matters; a good reward function and a bad reward function differ from "
        "any reward function."
    )
    assert acronym_definitions(text) == [
        ("reinforcement learning", "RL"),
        ("convolutional neural network", "CNN"),
        ("Soft Actor-Critic", "SAC"),
    ]
    found = {c.term: c.kind for c in candidates([text])}
    assert found["RL"] == "acronym" and found["reinforcement learning"] == "definition"
    assert found["QT-Opt"] == "name"
    assert found["reward function"] == "phrase"


_MENTION = st.sampled_from(
    ["RL", "RLs", "xRL", "RL-based", "RL2", "(RL)", "RL,", "RLS", "rl", "é-RL", "RL\n"]
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_MENTION | st.sampled_from([" ", "-", "the", "é"]), max_size=30))
def test_an_acronym_is_counted_as_its_whole_word_mentions_are(words: list[str]) -> None:
    # Counted in one pass for every acronym (a search per acronym was quadratic in the
    # paper's length): the count must be what a search for the whole word finds.
    text = "reinforcement learning (RL) " + " ".join(words)
    [found] = [c for c in candidates([text]) if c.term == "RL"]
    assert found.count == len(re.findall(r"(?<![\w-])RLs?(?![\w-])", text))


def _run(llm: FakeLLM, tmp_path: Path, entries: list[Entry], **extra: object) -> Results:
    settings = load_settings({"base_url": llm.base_url, "cache_dir": tmp_path / "cache", **extra})
    results, _ = translate_tei(settings, matcher=TermMatcher(entries))
    return results


GLOSSARY = [Entry("reinforcement learning", "强化学习"), Entry("robots", "机器人"), Entry("TinyRL")]


def test_glossary_followed_is_fully_consistent(tmp_path: Path) -> None:
    with FakeLLM() as llm:
        results = _run(llm, tmp_path, GLOSSARY)
        systems = [r.system for r in llm.records]
    assert any("Glossary: " in system for system in systems)
    result = check_consistency(results, TermMatcher(GLOSSARY))
    assert result.occurrences >= 5 and result.rate == 1.0 and not result.issues
    abstract = next(s for s in results.segments if s.id == "a0")
    assert "强化学习" in (results.of(abstract).text or "") and "TinyRL" in (results.of(abstract).text or "")


def test_prompt_carries_only_the_terms_of_its_segments(tmp_path: Path) -> None:
    with FakeLLM() as llm:
        _run(
            llm,
            tmp_path,
            [*GLOSSARY, Entry("submarine", "潜艇")],
            max_request_tokens=20,
            min_request_tokens=10,
        )
        systems = [r.system for r in llm.records]
    assert not any("submarine" in s for s in systems)
    assert any("robots=机器人" in s for s in systems) and any("robots" not in s for s in systems)


def test_glossary_ignored_is_detected_and_bounded(tmp_path: Path) -> None:
    with FakeLLM(follow_glossary=False) as llm:
        results = _run(llm, tmp_path, GLOSSARY)
        records = list(llm.records)
    result = check_consistency(results, TermMatcher(GLOSSARY))
    # The server's own log: the (text, term) pairs of its last answer for each text.
    last: dict[str, set[str]] = {}
    for record in records:
        for text, term in record.ignored:
            last.setdefault(text, set()).add(term)
    logged = {(text, term) for text, terms in last.items() for term in terms}
    reported = {
        (next(s.text for s in results.segments if s.id == i["segment"]), i["term"]) for i in result.issues
    }
    from translator.chunking.protect import protect

    reported_protected = set()
    for seg_text, term in reported:
        seg = next(s for s in results.segments if s.text == seg_text)
        reported_protected.add((protect(seg).text, term))
    assert reported_protected == logged and len(logged) >= 4
    assert result.rate < 1.0
    retries = [r for r in records if "glossary not followed" in r.system]
    first_pass = [r for r in records if "glossary not followed" not in r.system]
    assert retries and len(retries) <= len(first_pass)  # at most one targeted retry per request
    assert all(results.of(s).status == "translated" for s in results.segments)  # kept, but reported


def test_changing_one_entry_retranslates_only_its_segments(tmp_path: Path) -> None:
    with FakeLLM() as llm:
        _run(llm, tmp_path, GLOSSARY)
        first = llm.count()
        changed = [Entry("reinforcement learning", "增强学习"), Entry("robots", "机器人"), Entry("TinyRL")]
        results = _run(llm, tmp_path, changed, max_request_tokens=2000)
        sent = [r for r in llm.records[first:]]
    texts = {t for r in sent for t in re.findall(r'"\d+":"((?:[^"\\]|\\.)*)"', r.user)}
    assert texts and all("reinforcement learning" in t.lower() for t in texts)
    with_term = [s for s in results.segments if "reinforcement learning" in s.text.lower()]
    assert all(
        results.of(s).status == "translated" and "增强学习" in (results.of(s).text or "") for s in with_term
    )
    assert all(results.of(s).status == "cached" for s in results.segments if s not in with_term)


def _translated(*pairs: tuple[str, str]) -> Results:
    results = Results()
    for n, (text, translation) in enumerate(pairs):
        segment = Segment(f"p{n}", "paragraph", text)
        results.segments.append(segment)
        results.set(segment, Translation(translation, translation, "translated"))
    return results


def test_annotate_first_occurrence() -> None:
    results = _translated(
        ("We use reinforcement learning.", "我们用强化学习。"),
        ("Reinforcement learning again.", "又是强化学习。"),
    )
    added = annotate_terms(results, TermMatcher(GLOSSARY), "zh")
    assert added == 1
    seg1, seg2 = results.segments
    assert results.of(seg1).text == results.of(seg1).tagged == "我们用强化学习（reinforcement learning）。"
    assert results.of(seg2).text == "又是强化学习。"
    fr = _translated(("We use reinforcement learning.", "Nous utilisons l'apprentissage."))
    annotate_terms(fr, TermMatcher([Entry("reinforcement learning", "apprentissage")]), "fr")
    assert fr.of(fr.segments[0]).text == "Nous utilisons l'apprentissage (reinforcement learning)."


def test_pseudo_translation_differs_from_glossary_targets() -> None:
    # The ignoring server is only caught if its running text differs from the glossary's terms.
    from .servers.fake_llm import pseudo_term

    assert pseudo_term("reward function") not in pseudo_translate("the reward function")


_TERMS = ["reinforcement learning", "policy", "SPOT", "Q-function", "k-means", "ε-greedy", "re-ranking", "Ab"]
_PIECES = ["reinforce- ment", "Reinforcement", "learn- ing", "learning", "pol- icy", "Policies", "policy", "SPOTs",
           "SPOT", "spot", "Q", "function", "q-function", "K-means", "k", "means", "ε-greedy", "re- ranking",
           "Re-ranking", "ab", "Ab", "AB", "(RL)", "foo-", "x"]  # fmt: skip
_GAPS = [" ", "-", "- ", "  ", ", ", "\n", ""]


@given(st.lists(st.tuples(st.sampled_from(_PIECES), st.sampled_from(_GAPS)), max_size=12))
@settings(max_examples=300, deadline=None)
def test_prefiltered_matching_finds_what_every_pattern_finds(parts: list[tuple[str, str]]) -> None:
    """Only entries whose first letters start a word of the text are tried: that must
    never lose a match that running every entry's pattern over the text finds."""
    text = "".join(piece + gap for piece, gap in parts)
    entries = [Entry(t, f"<{t}>") for t in _TERMS]
    matcher = TermMatcher(entries)
    taken: list[tuple[int, int]] = []
    expected: list[tuple[int, int, str]] = []
    for entry in matcher.entries:  # the matcher's own order: longer terms first
        for match in term_pattern(entry.source).finditer(text):
            if not any(a < match.end() and match.start() < b for a, b in taken):
                taken.append(match.span())
                expected.append((match.start(), match.end(), entry.source))
    found = [(o.start, o.end, o.entry.source) for o in matcher.find(text)]
    assert found == sorted(expected)
    assert matcher.find(text) == matcher.find(text)  # remembered, and the same


def test_term_calls_go_beside_the_paragraphs_that_do_not_need_them(tmp_path: Path) -> None:
    """The glossary's term calls are sent first, with the requests whose paragraphs hold
    none of the asked terms; a request with an asked term waits for the answers, and is
    asked with the whole glossary."""
    from translator.jobs import JobSpec, build_job

    tei = write_small_tei(tmp_path)
    shaped = "Reward shaping helps. We use reward shaping with care; reward shaping is old, and reward shaping works."
    text = tei.read_text(encoding="utf-8").replace("We train for 100 episodes.", shaped)
    tei.write_text(text.replace("We thank the robots.", f"We thank the robots. {shaped}"), encoding="utf-8")
    with FakeLLM(latency=0.4) as llm:
        settings = load_settings(
            {"base_url": llm.base_url, "cache_dir": tmp_path / "cache", "max_request_tokens": 60,
             "min_request_tokens": 20},
            env={},
        )  # fmt: skip
        result = build_job(JobSpec(tei, settings, tmp_path / "out")).run()
        records = list(llm.records)
    calls = [r for r in records if r.glossary_request]
    asked = {term for r in calls for term in json.loads(r.user).values()}
    assert calls and asked
    answered = max(r.at for r in calls) + 0.4  # each answer takes the server's latency
    texts = [r for r in records if not r.glossary_request and r.ids]
    needing = [r for r in texts if any(re.search(rf"\b{re.escape(t)}", r.user, re.I) for t in asked)]
    beside = [r for r in texts if r not in needing]
    assert beside and min(r.at for r in beside) < answered  # sent while the calls were out
    assert needing and all(r.at >= answered - 0.05 for r in needing)
    assert all("Glossary: " in r.system for r in needing)
    assert result.failed == [] and result.report["glossary"]["consistency_rate"] == 1.0


def test_an_answer_that_ignored_the_glossary_is_kept_when_it_cannot_be_asked_again(tmp_path: Path) -> None:
    """The re-translation of an answer that ignored the glossary is an extra request: once
    the retry budget has none left, the first answer (paid for, and valid) is kept."""
    with FakeLLM(follow_glossary=False) as llm:
        results = _run(llm, tmp_path, GLOSSARY, max_request_tokens=30, min_request_tokens=10)
        retried = sum("glossary not followed" in r.system for r in llm.records)
        first = len(llm.records) - retried
    assert retried < first  # the budget allowed fewer re-translations than there were strays
    assert all(results.of(s).text for s in results.segments)  # none lost
    assert check_consistency(results, TermMatcher(GLOSSARY)).rate < 1.0  # and reported


def test_section_numbers_and_words_run_into_their_marks_are_not_terms() -> None:
    texts = [
        "As Section III-A shows, the physics of each layer matters. We use ResNet50 and GPT4 here.",
        "Section III-A again, and Physics10 with Layer5 printed as footnote marks. ResNet50 and GPT4 again.",
        "The first layer and the physics engine. Layer5 and Physics10 again.",
    ]
    terms = {c.term for c in candidates(texts)}
    assert {"ResNet50", "GPT4"} <= terms
    assert not {"III-A", "Layer5", "Physics10"} & terms


_PIECE = st.sampled_from(
    ["pol", "icy", "policy", "Policy", "rein", "forcement", "studies", "study", "GAN", "ß", "é"]
)
_GAP = st.sampled_from([" ", "- ", "-\n", "-", "(", ") ", "\n"])


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(_PIECE, _GAP), min_size=1, max_size=8), st.lists(_PIECE, min_size=1, max_size=2))
def test_the_word_start_filter_never_hides_a_term_that_is_there(
    parts: list[tuple[str, str]], words: list[str]
) -> None:
    # A text is tried only against entries whose first letters start one of its words
    # (read through line-break hyphens, as the patterns read them): a term the pattern
    # finds must never be filtered out.
    text = "".join(word + gap for word, gap in parts)
    term = " ".join(words)
    if term_pattern(term).search(text):
        assert _prefix(term) in _prefixes(text)
    assert [o.entry.source for o in TermMatcher([Entry(term, "T")]).find(text)] == [
        term for _ in term_pattern(term).finditer(text)
    ]
