"""The import graph runs one way: each module imports only its own layer and those below.

Layers, bottom to top: errors, registries and the language table → settings, file writing and shared SQLite files → the
document model and a run's results (kept apart from it) → chunking → glossary → parsers → cache → engine → terminology →
renderers → pipeline stages → jobs → the batch and watch service → the command line.
"""

from __future__ import annotations

import ast
from pathlib import Path

from .conftest import ROOT

LAYERS = [
    ("errors", "plugins", "languages", "urls", "deadlines", "signals"),
    ("settings", "files", "heap", "databases"),
    ("model", "results"),
    ("chunking",),
    ("glossary",),
    ("parsing",),
    ("cache",),
    ("engine",),
    ("terminology",),
    ("notes",),
    ("render",),
    ("pipeline", "formula_stage"),
    ("jobs",),
    ("service",),
    ("workers",),
    ("cli", "progress_bar", "__main__", ""),  # "": the package's own __init__ (the Python API)
]
PACKAGE = ROOT / "translator"


def layer(module: str) -> int:
    """The layer of ``translator.<module>`` (its first dotted part decides)."""
    head = module.split(".")[0]
    for index, names in enumerate(LAYERS):
        if head in names:
            return index
    raise AssertionError(f"translator.{module} is in no layer: add it to LAYERS")


def imports(path: Path, package_dir: Path = PACKAGE) -> list[str]:
    """The project modules a file imports, relative to the package (``engine.base``)."""
    parts = path.relative_to(package_dir).with_suffix("").parts
    package = list(parts[:-1])
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package[: len(package) - (node.level - 1)]
            if node.module:
                found.append(".".join([*base, node.module]))
            else:  # from . import plugins
                found.extend(".".join([*base, alias.name]) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("translator."):
            found.append((node.module or "").removeprefix("translator."))
        elif isinstance(node, ast.Import):
            found.extend(
                a.name.removeprefix("translator.") for a in node.names if a.name.startswith("translator.")
            )
    return found


def module_name(path: Path, package_dir: Path = PACKAGE) -> str:
    parts = path.relative_to(package_dir).with_suffix("").parts
    return ".".join(p for p in parts if p != "__init__")


def upward_imports(package_dir: Path) -> list[str]:
    upward = []
    for path in sorted(package_dir.rglob("*.py")):
        here = module_name(path, package_dir)
        for target in imports(path, package_dir):
            if layer(target) > layer(here):
                upward.append(f"translator.{here or '__init__'} imports translator.{target}")
    return upward


def test_no_module_imports_a_layer_above_it() -> None:
    upward = upward_imports(PACKAGE)
    assert not upward, "imports that point up a layer:\n" + "\n".join(upward)


def test_the_check_sees_an_upward_import(tmp_path: Path) -> None:
    (tmp_path / "engine").mkdir()
    (tmp_path / "engine" / "base.py").write_text("from ..model import Document\n")
    (tmp_path / "model.py").write_text("from .engine.base import Engine\nfrom . import jobs\n")
    assert upward_imports(tmp_path) == [
        "translator.model imports translator.engine.base",
        "translator.model imports translator.jobs",
    ]


def test_only_the_adapter_imports_the_openai_sdk() -> None:
    users = [
        path.relative_to(ROOT).as_posix()
        for path in PACKAGE.rglob("*.py")
        if any(
            (isinstance(n, ast.Import) and any(a.name.split(".")[0] == "openai" for a in n.names))
            or (isinstance(n, ast.ImportFrom) and not n.level and (n.module or "").split(".")[0] == "openai")
            for n in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        )
    ]
    assert users == ["translator/engine/openai_engine.py"]


def test_the_command_line_starts_without_the_sdk_or_the_pipeline() -> None:
    """`translate --help` loads neither the openai SDK (its types took 0.7 s of each start)
    nor the pipeline (0.4 s more): a command imports them when it runs."""
    import subprocess
    import sys

    heavy = ("openai", "translator.pipeline", "translator.jobs", "translator.service", "lxml", "httpx")
    code = f"import sys; from translator.cli import main; print([m for m in {heavy!r} if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]"
