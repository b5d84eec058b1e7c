"""The import rules of ARCHITECTURE.md, checked on the source (every import, lazy ones too)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("interviewer", "ingest", "ui", "eval", "benchmarks", "tests")
# What the domain must reach only through its adapters.
OUTSIDE_SYSTEMS = ("streamlit", "rich", "typer", "chromadb", "sqlite3", "langchain", "openai")
DOMAIN = ("interviewer.agent", "interviewer.grading")
# Domain modules that are adapters or wiring by design (ARCHITECTURE.md, "Layers").
DOMAIN_EDGES = ("interviewer.agent.composition", "interviewer.grading.entailment")


def modules() -> Iterator[tuple[str, Path]]:
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            yield ".".join(parts), path


def imports(name: str, path: Path) -> Iterator[tuple[str, list[str]]]:
    """(imported module, names) for every import in the file, relative ones resolved."""
    is_package = path.name == "__init__.py"
    here = name.split(".") if is_package else name.split(".")[:-1]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, []
        elif isinstance(node, ast.ImportFrom):
            base = here[: len(here) - node.level + 1] if node.level else []
            target = ".".join([*base, node.module] if node.module else base)
            yield target, [a.name for a in node.names]


def package_of(module: str, path: Path | None = None) -> str:
    return module if path is not None and path.name == "__init__.py" else module.rpartition(".")[0]


def test_no_module_imports_a_private_name_from_another_package():
    found = []
    for name, path in modules():
        mine = package_of(name, path)
        for target, names in imports(name, path):
            private = [n for n in names if n.startswith("_") and not n.startswith("__")]
            theirs = target if (ROOT / target.replace(".", "/")).is_dir() else package_of(target)
            if private and theirs != mine:
                found.append(f"{name} imports {private} from {target}")
    assert not found, found


def test_front_ends_use_the_agents_public_api():
    allowed = ("interviewer.agent", "interviewer.settings", "interviewer.display", "ui")
    found = []
    for name, path in modules():
        if not name.startswith("ui"):
            continue
        for target, _ in imports(name, path):
            ours = target.split(".")[0] in ("interviewer", "ingest", "ui")
            ok = target in allowed or target.startswith("ui.")
            if name in ("ui.views.bank", "ui.uploads") and target.startswith("ingest"):
                ok = True  # the Bank page reads uploaded files with the ingest readers
            if ours and not ok:
                found.append(f"{name} imports {target}")
    assert not found, found


def test_the_domain_reaches_outside_systems_only_through_adapters():
    found = []
    for name, path in modules():
        if not name.startswith(DOMAIN) or name.startswith(DOMAIN_EDGES):
            continue
        for target, _ in imports(name, path):
            if target.split(".")[0] in OUTSIDE_SYSTEMS:
                found.append(f"{name} imports {target}")
    assert not found, found


def test_the_checker_resolves_relative_imports(tmp_path):
    pkg = tmp_path / "interviewer" / "grading"
    pkg.mkdir(parents=True)
    (pkg / "offline.py").write_text(
        "from .judge import _window\nfrom ..agent.engine import _turn\nimport numpy\n"
    )
    found = list(imports("interviewer.grading.offline", pkg / "offline.py"))
    assert found == [
        ("interviewer.grading.judge", ["_window"]),
        ("interviewer.agent.engine", ["_turn"]),
        ("numpy", []),
    ]
    assert package_of("interviewer.grading.judge") == "interviewer.grading"
