"""The code stays readable: no module over 400 lines, no function over cyclomatic
complexity 20 as radon counts it (boolean operators and comprehensions count too,
which ruff's C901 leaves out)."""

from __future__ import annotations

from pathlib import Path

from radon.complexity import cc_visit

from .conftest import ROOT

PACKAGE = ROOT / "translator"
MOST_LINES = 400
MOST_COMPLEXITY = 20


def _modules() -> list[Path]:
    modules = sorted(PACKAGE.rglob("*.py"))
    assert len(modules) > 50, "the package was not found"
    return modules


def test_no_module_is_over_400_lines() -> None:
    long = {
        str(p.relative_to(ROOT)): n for p in _modules() if (n := len(p.read_text().splitlines())) > MOST_LINES
    }
    assert not long, f"split these modules: {long}"


def test_no_function_is_over_complexity_20() -> None:
    complex_ = {
        f"{p.relative_to(ROOT)}:{block.lineno} {block.fullname}": block.complexity
        for p in _modules()
        for block in cc_visit(p.read_text())
        if block.complexity > MOST_COMPLEXITY
    }
    assert not complex_, f"split these functions: {complex_}"
