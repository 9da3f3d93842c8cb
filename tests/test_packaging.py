"""The wheel a user installs holds the whole package: every module and every template.

A hand-written package list once shipped a wheel without ``translator.glossary``:
``pip install .`` succeeded and ``translate`` died with ModuleNotFoundError.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow  # builds the wheel

PIP_WHEEL = ["-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation"]
LITTER = shutil.ignore_patterns(
    ".git", "build", "dist", "*.egg-info", "__pycache__", ".*_cache", ".hypothesis", ".venv", "out"
)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    work = tmp_path_factory.mktemp("wheel")
    source = work / "project"
    shutil.copytree(ROOT, source, ignore=LITTER)
    subprocess.run(
        [sys.executable, *PIP_WHEEL, "-w", str(work), "."],
        cwd=source,
        check=True,
        capture_output=True,
    )
    (built,) = work.glob("*.whl")
    return zipfile.ZipFile(built)


@pytest.fixture(scope="module")
def wheel_names(wheel: zipfile.ZipFile) -> set[str]:
    return set(wheel.namelist())


def test_every_module_is_in_the_wheel(wheel_names: set[str]) -> None:
    modules = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "translator").rglob("*.py"))
    assert len(modules) > 30
    missing = [m for m in modules if m not in wheel_names]
    assert not missing, f"modules left out of the wheel: {missing}"


def test_every_template_is_in_the_wheel(wheel_names: set[str]) -> None:
    templates = sorted(p.name for p in (ROOT / "templates").iterdir() if p.suffix in (".j2", ".css", ".js"))
    assert templates
    missing = [t for t in templates if f"translator/templates/{t}" not in wheel_names]
    assert not missing, f"templates left out of the wheel: {missing}"


def test_the_command_is_declared(wheel: zipfile.ZipFile) -> None:
    (entry_points,) = [n for n in wheel.namelist() if n.endswith(".dist-info/entry_points.txt")]
    assert "translate = translator.cli:main" in wheel.read(entry_points).decode()
