"""Display formulas as LaTeX: asked of a vision model from the crop, checked against the
paper before use or caching, rendered as ``$$`` in Markdown and MathML in HTML."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from translator.engine.formulas import clean_latex
from translator.engine.latex import latex_to_mathml, problem
from translator.pipeline import load, prepare
from translator.settings import load_settings

from .fixtures import FORMULAS, invoke, make_formula_pdf, titled_page
from .servers.fake_llm import FakeLLM


def _env(llm: FakeLLM, tmp_path: Path) -> dict[str, str]:
    return {
        "OPENAI_BASE_URL": llm.base_url,
        "OPENAI_API_KEY": "k",
        "TRANSLATOR_CACHE_DIR": str(tmp_path / "cache"),
        "TRANSLATOR_PARSER": "builtin",
    }


def _paper(tmp_path: Path, llm: FakeLLM) -> Path:
    """The generated paper, with each formula's crop registered in the fake model
    under the LaTeX the formula was set from (crops are cut as a run cuts them)."""
    pdf = make_formula_pdf(tmp_path / "f.pdf")
    settings = load_settings({"parser": "builtin"}, env={})
    source = prepare(load(pdf, settings, tmp_path / "crops"), settings)
    by_label = {f"({n})": latex for n, (_, latex) in enumerate(FORMULAS, 1)}
    formulas = list(source.document.formulas())
    assert len(formulas) == len(FORMULAS)
    for formula in formulas:
        crop = (tmp_path / "crops" / source.images[formula.id]).read_bytes()
        llm.formulas[hashlib.sha256(crop).hexdigest()] = by_label[formula.label]
    return pdf


def _run(tmp_path: Path, llm: FakeLLM, *args: str) -> dict:  # type: ignore[type-arg]
    pdf = tmp_path / "f.pdf"
    result = invoke(
        [str(pdf), "--out", str(tmp_path / "out"), "--no-auto-glossary", *args], **_env(llm, tmp_path)
    )
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "out" / "f.zh.json").read_text(encoding="utf-8"))
    data["_output"] = result.output
    return data  # type: ignore[no-any-return]


def _formulas(data: dict) -> list[dict]:  # type: ignore[type-arg]
    found = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if "formula" in node and isinstance(node["formula"], dict):
                found.append(node["formula"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(data["document"])
    return found


def test_every_formula_comes_out_as_the_latex_it_was_set_from(tmp_path: Path) -> None:
    with FakeLLM() as llm:
        _paper(tmp_path, llm)
        data = _run(tmp_path, llm)
        asked = llm.image_requests
        again = _run(tmp_path, llm)  # a rerun asks nothing: the answers are cached by crop
        assert llm.image_requests == asked == 1  # the three formulas in one request
    truth = {f"({n})": latex for n, (_, latex) in enumerate(FORMULAS, 1)}
    formulas = _formulas(data)
    assert [f["label"] for f in formulas] == ["(1)", "(2)", "(3)"]
    for formula in formulas:
        assert latex_to_mathml(formula["latex"]) == latex_to_mathml(truth[formula["label"]])
    assert _formulas(again) == formulas
    assert data["report"]["formulas"] == {"latex": 3, "kept_as_image": 0, "requests": 1}
    md = (tmp_path / "out" / "f.zh.md").read_text(encoding="utf-8")
    assert "$$\nf(x) = a x^{2} + b x + c \\tag{1}\n$$" in md
    assert "```math" not in md and md.count("\n$$\n") == 6  # each $$ on a line of its own
    html = (tmp_path / "out" / "f.zh.html").read_text(encoding="utf-8")
    assert html.count("<math ") == 3 and "<script" not in html


def test_bad_answers_are_asked_again_once_then_kept_as_images(tmp_path: Path) -> None:
    with FakeLLM() as llm:
        _paper(tmp_path, llm)
        # Asked together: 1 broken, 2 invented, 3 chatter; then each alone: 1 and 2 right, 3 chatter again.
        llm.formula_faults = ["broken", "invented", "chatter", "ok", "ok", "chatter"]
        data = _run(tmp_path, llm, "--concurrency", "1")
        assert llm.image_requests == 4  # one for the three, one more for each rejected
    formulas = {f["label"]: f for f in _formulas(data)}
    assert formulas["(1)"]["latex"] and formulas["(2)"]["latex"]
    assert formulas["(3)"]["latex"] is None and "no words" in formulas["(3)"]["latex_error"]
    assert formulas["(3)"]["image"] and formulas["(3)"]["text"].startswith("g(y)")
    assert data["report"]["formulas"]["kept_as_image"] == 1
    md = (tmp_path / "out" / "f.zh.md").read_text(encoding="utf-8")
    assert "```text\ng(y) = k y^3 - q / r" in md and "Sure!" not in md
    assert md.count("⚠ 公式原样显示") == 1  # marked, as an untranslated paragraph is
    html = (tmp_path / "out" / "f.zh.html").read_text(encoding="utf-8")
    assert html.count('class="formula no-latex"') == 1
    assert md.count("⚠ 公式原样显示") == 1  # marked, as an untranslated paragraph is
    html = (tmp_path / "out" / "f.zh.html").read_text(encoding="utf-8")
    assert html.count('class="formula no-latex"') == 1


def test_a_model_that_takes_no_images_keeps_them_and_says_what_to_do(tmp_path: Path) -> None:
    with FakeLLM() as llm:
        _paper(tmp_path, llm)
        llm.formula_faults = ["refuse"]
        data = _run(tmp_path, llm, "--concurrency", "1")
    assert all(f["latex"] is None and f["image"] for f in _formulas(data))
    assert "--formula-model" in data["_output"]
    assert {s["status"] for s in _segments(data)} == {"translated"}


def test_formulas_image_asks_nothing(tmp_path: Path) -> None:
    with FakeLLM() as llm:
        _paper(tmp_path, llm)
        data = _run(tmp_path, llm, "--formulas", "image")
        assert llm.image_requests == 0
    assert all(f["latex"] is None and f["image"] for f in _formulas(data))


def _segments(data: dict) -> list[dict]:  # type: ignore[type-arg]
    from .fixtures import json_segments

    return json_segments(data["document"])


@pytest.mark.parametrize(
    ("answer", "latex"),
    [
        ("```latex\nx^{2}\n```", "x^{2}"),
        ("$$x^{2}$$", "x^{2}"),
        ("\\[ x^{2} \\]", "x^{2}"),
        ("\\begin{equation}\nx^{2} \\label{eq:1}\n\\end{equation}", "x^{2}"),
        ("x^{2} \\tag{3}", "x^{2}"),
        ("x^{2} \\qquad (3)", "x^{2}"),
        ("<think>the user wants LaTeX</think>x^{2}", "x^{2}"),
    ],
)
def test_answers_are_cleaned_to_the_latex_alone(answer: str, latex: str) -> None:
    assert clean_latex(answer) == latex


def test_the_checks_catch_what_cannot_stand_for_the_formula() -> None:
    printed = "π(s t ) = arg max a∈A Q(s t , a) (1"
    assert problem(r"\pi(s_t) = \arg\max_{a \in A} Q(s_t, a)", printed) is None
    assert "brace" in (problem(r"\frac{a}{b", printed) or "")
    assert "\\left" in (problem(r"\left( a", printed) or "")
    assert "does not match" in (problem(r"E = mc^2", printed) or "")
    assert "no words" in (
        problem(r"\text{Here is the formula}\ \pi(s_t) = \arg\max_{a \in A} Q(s_t, a)", printed) or ""
    )
    assert "does not parse" in (problem(r"\frac{a}{b}^^^_", "a b") or "does not parse")


def test_model_latex_cannot_inject_markup_into_either_output() -> None:
    from translator.render.math import html_math, markdown_math, safe_mathml

    # The converter copies \text{…} into the MathML as it is: what is not well-formed is
    # refused, what is has everything but MathML's elements and attributes removed.
    for hostile in (r"\text{<img src=x onerror=alert(1)>} a", r'\text{<img src="x" onerror="alert(1)"/>} a'):
        with pytest.raises(ValueError):
            html_math(hostile)
    forged = (
        '<math xmlns="http://www.w3.org/1998/Math/MathML"><mtext><mi onclick="alert(1)" href="javascript:x">x</mi>'
        '<img xmlns="http://www.w3.org/1999/xhtml" src="y"/><script>alert(1)</script></mtext></math>'
    )
    page = str(safe_mathml(forged))
    assert "onclick" not in page and "href" not in page and "<img" not in page and "script" not in page
    assert "<mi>x</mi>" in page and str(html_math("a < b")).count("<mo>") == 1
    assert page.startswith("<math") and 'display="block"' in page
    md = markdown_math("a < b $$ <script>\n\nx", "(3)")
    assert "<" not in md and "$" not in md and "\n" not in md and md.endswith(r"\tag{3}")


def test_the_dry_run_counts_the_formula_requests(tmp_path: Path) -> None:
    with FakeLLM() as llm:
        pdf = _paper(tmp_path, llm)
        result = invoke([str(pdf), "--dry-run", "--json", "--no-auto-glossary"], **_env(llm, tmp_path))
        assert llm.count() == 0
    estimate = json.loads(result.output[result.output.index("{") :])
    assert estimate["formula_requests"] == 1  # three formulas, asked together
    assert estimate["requests"] >= 2


def _math_tei(tmp_path: Path) -> Path:
    from .fixtures import SMALL_TEI

    text = SMALL_TEI.replace(
        "<p>We thank the robots.</p>",
        "<p>We thank the robots, whose state s_t and action a_t give the reward r_t.</p>",
    )
    assert text != SMALL_TEI
    path = tmp_path / "math.tei.xml"
    path.write_text(text, encoding="utf-8")
    return path


def test_inline_math_is_written_as_checked_latex_when_asked(tmp_path: Path) -> None:
    tei = _math_tei(tmp_path)
    with FakeLLM() as llm:
        env = _env(llm, tmp_path)
        plain = invoke([str(tei), "--out", str(tmp_path / "plain"), "--no-auto-glossary"], **env)
        asked = llm.count()
        llm.invent_math = True
        result = invoke(
            [str(tei), "--out", str(tmp_path / "m"), "--no-auto-glossary", "--inline-math", "latex"], **env
        )
        assert llm.count() > asked  # asked anew: plain answers are cached apart
    assert plain.exit_code == 0 and result.exit_code == 0, result.output
    assert (
        "$"
        not in (tmp_path / "plain" / "math.zh.md").read_text(encoding="utf-8").split("Acknowledgements")[-1]
    )
    md = (tmp_path / "m" / "math.zh.md").read_text(encoding="utf-8")
    assert "$s_{t}$ $a_{t}$ $r_{t}$" in md
    assert "Omega" not in md and "otimes" not in md  # invented: not in the source, dropped
    html = (tmp_path / "m" / "math.zh.html").read_text(encoding="utf-8")
    assert html.count('<math xmlns="http://www.w3.org/1998/Math/MathML" display="inline">') == 3


def test_inline_math_spans_are_kept_only_when_they_parse_and_match() -> None:
    from translator.engine.latex import settle_inline_math

    source = "the state s_t costs $5 and $10 in total"
    assert settle_inline_math("状态 $s_{t}$ 花费 $5 和 $10", source) == "状态 $s_{t}$ 花费 $5 和 $10"
    assert settle_inline_math("状态 $s_{t$", source) == "状态 $s_{t$"  # not a span: left as text
    assert settle_inline_math(r"状态 $\frac{s}{$ 与 $\Omega$", source) == "状态 s 与 "


def test_a_grouped_answer_is_split_by_formula() -> None:
    from translator.engine.formulas import split_answer

    answer = "<think>ok</think>=== 1 ===\n$$x^{2}$$\n=== 2 ===\n```latex\ny_{t} \\tag{2}\n```\n=== 9 ===\nz"
    assert split_answer(answer, 2) == {1: "x^{2}", 2: "y_{t}"}
    assert split_answer("x^{2}", 1) == {1: "x^{2}"} and split_answer("x^{2}", 2) == {}


def _two_line_formula_pdf(path: Path, label_first: bool) -> Path:
    """A titled page whose one formula is set over two lines (numbered on the second),
    or (``label_first``) two numbered formulas one under the other. The formulas are set
    in the PDF core font Symbol, a math font to the reader ("q" prints θ, "S" Σ)."""
    pdf = titled_page("Long Formulas of Tiny Robots")
    pdf.set_font("helvetica", size=11)
    pdf.set_xy(15, 50)
    pdf.multi_cell(
        180, 5.5, "The loss of the robot is written over two lines, as journals set long formulas. " * 2
    )
    first, second = "L(q) = S a q + b S g q", "+ d S q - e    (1)"
    if label_first:
        first, second = f"{first}    (1)", "M(q) = d S q - e    (2)"
    pdf.set_font("symbol", size=11)
    for n, line in enumerate((first, second)):
        pdf.set_xy(40, 70 + n * 9.0)  # apart enough to be two blocks, as display lines often are
        pdf.cell(150, 6, line)
    pdf.set_font("helvetica", size=11)
    pdf.set_xy(15, 90)
    pdf.multi_cell(180, 5.5, "Each term of the loss is explained in the text that follows the formula. " * 2)
    pdf.output(str(path))
    return path


def test_a_formula_set_over_two_lines_is_one_formula_with_its_number() -> None:
    import tempfile

    from translator.parsing.pdf.reader import read_pdf

    with tempfile.TemporaryDirectory() as tmp:
        joined = list(read_pdf(_two_line_formula_pdf(Path(tmp) / "a.pdf", label_first=False)).formulas())
        apart = list(read_pdf(_two_line_formula_pdf(Path(tmp) / "b.pdf", label_first=True)).formulas())
    # Before the rule: "Λ(θ) = Σ α θ + β Σ γ θ" unnumbered, then "+ δ Σ θ − ε (1)" on its own.
    assert [(f.label, f.text) for f in joined] == [("(1)", "Λ(θ) = Σ α θ + β Σ γ θ + δ Σ θ − ε (1)")]
    region = joined[0].region
    assert region is not None and region.y1 - region.y0 > 25  # both lines in the crop (points, ×2.83/mm)
    # Two numbered formulas one under the other stay two.
    assert [f.label for f in apart] == ["(1)", "(2)"]


def test_formula_requests_count_against_the_rate_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from translator.engine.ratelimit import RateLimiter

    acquired: list[int] = []
    original = RateLimiter.acquire

    def counting(self: RateLimiter, tokens: int) -> None:
        acquired.append(tokens)
        original(self, tokens)

    monkeypatch.setattr(RateLimiter, "acquire", counting)
    with FakeLLM() as llm:
        _paper(tmp_path, llm)
        data = _run(tmp_path, llm, "--rpm", "6000")
        sent = llm.count()
    report = data["report"]
    assert report["formulas"]["requests"] > 0
    # Every request the server saw took its share: translations, terms, formulas, retries.
    assert len(acquired) == sent
