"""One table of target languages: every part of the program reads a code the same way."""

from __future__ import annotations

import pytest

from translator.engine.languages import looks_untranslated
from translator.languages import base, joiner, language_name


@pytest.mark.parametrize("code", ["zh", "zh-CN", "zh_CN", "ZH-cn", "ja", "th"])
def test_languages_without_spaces_join_pieces_without_them(code: str) -> None:
    # zh_CN was joined with spaces: the chunker split only on "-", the engine on "-" and "_".
    assert joiner(code) == ""


@pytest.mark.parametrize("code", ["fr", "de-AT", "ko", "xx"])
def test_spaced_languages_join_pieces_with_a_space(code: str) -> None:
    assert joiner(code) == " "


def test_region_codes_name_the_right_language() -> None:
    assert language_name("zh_TW") == language_name("zh-tw") == "Traditional Chinese"
    assert language_name("zh_CN") == language_name("zh") == "Simplified Chinese"
    assert language_name("tlh") == "tlh"  # unknown codes are passed through
    assert base("pt_BR") == "pt"


def test_script_check_reads_region_codes() -> None:
    source = "Robots learn to walk on rough ground with reinforcement learning."
    assert looks_untranslated(source, source, "zh_TW") is not None
    assert looks_untranslated(source, "机器人通过强化学习学会在崎岖地面上行走。", "zh_TW") is None
