"""The house's map stays true: the import contract holds, and docs/architecture.md names
only files that exist."""

from __future__ import annotations

import ast
import importlib
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ARCHITECTURE = ROOT / "docs" / "architecture.md"

# A path in backticks: folders end with "/", files with an extension.
PATH = re.compile(r"`([A-Za-z_][\w./-]*(?:/|\.(?:py|md|sql|toml|html)))`")


def test_the_import_contract_in_pyproject_holds() -> None:
    # A process of its own: import-linter builds the import graph of the installed package.
    run = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from importlinter.cli import lint_imports; "
            "sys.exit(lint_imports(config_filename='pyproject.toml', no_cache=True, no_logo=True))",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr


def named_paths() -> list[str]:
    return sorted(set(PATH.findall(ARCHITECTURE.read_text())))


def test_the_architecture_page_names_files_at_all() -> None:
    assert len(named_paths()) > 40


def test_every_file_the_architecture_page_names_exists() -> None:
    # Paths are written from the repository root (moderation/app.py) or, for brevity,
    # from inside the package (intake/writer.py).
    missing = [
        p
        for p in named_paths()
        if not (ROOT / p).exists() and not (ROOT / "moderation" / p).exists()
    ]
    assert not missing, f"docs/architecture.md names files that do not exist: {missing}"


# --- one door for status changes ------------------------------------------------------
# A store function changes a status when it writes a history row: the statement that
# changes a comment's or a check's status writes its history in the same statement.
HISTORY = re.compile(r"INSERT INTO (comment|check)_history\b|^(comment|check)_history$")
PACKAGE = ROOT / "moderation"
# Modules that write statuses and, on purpose, announce nothing themselves.
SILENT = {
    # The group-commit writer stores for intake/submission.accept, which announces each
    # comment once the batch has committed.
    "moderation.intake.writer": "intake/submission.accept announces",
    # A site's past is not news: a bulk import must not fire thousands of webhooks.
    "moderation.adopt.imports": "imports announce nothing (docs/architecture.md)",
}


def _module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


def _history_constants(module: object, tree: ast.Module) -> set[str]:
    names = set()
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else []
        for target in targets:
            if isinstance(target, ast.Name):
                value = getattr(module, target.id, None)
                if isinstance(value, str) and HISTORY.search(value):
                    names.add(target.id)
    return names


def status_writers() -> set[tuple[str, str]]:
    """(store module, function) pairs whose statement writes a history row."""
    found = set()
    for path in sorted((PACKAGE / "store").glob("*.py")):
        name = _module_name(path)
        tree = ast.parse(path.read_text())
        constants = _history_constants(importlib.import_module(name), tree)
        for node in tree.body:
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for inner in ast.walk(node):
                uses_constant = isinstance(inner, ast.Name) and inner.id in constants
                literal = (
                    isinstance(inner, ast.Constant)
                    and isinstance(inner.value, str)
                    and HISTORY.search(inner.value) is not None
                )
                if uses_constant or literal:
                    found.add((name, node.name))
                    break
    return found


def _is_module(dotted: str) -> bool:
    path = ROOT.joinpath(*dotted.split("."))
    return path.with_suffix(".py").exists() or path.is_dir()


def _calls(tree: ast.Module) -> tuple[set[tuple[str, str]], bool]:
    """The store functions a module calls, and whether it calls ops/events.py."""
    modules: dict[str, str] = {}  # local name -> module
    functions: dict[str, tuple[str, str]] = {}  # local name -> (module, function)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                local = alias.asname or alias.name
                if _is_module(f"{node.module}.{alias.name}"):
                    modules[local] = f"{node.module}.{alias.name}"
                else:
                    functions[local] = (node.module, alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    modules[alias.asname] = alias.name
    called: set[tuple[str, str]] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        f = node.func
        if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name):
            if f.value.id in modules:
                called.add((modules[f.value.id], f.attr))
        elif isinstance(f, ast.Name) and f.id in functions:
            called.add(functions[f.id])
    announces = any(module == "moderation.ops.events" for module, _ in called)
    return called, announces


def test_the_status_writing_store_functions_are_found() -> None:
    writers = status_writers()
    expected = {
        ("moderation.store.decisions", "apply"),
        ("moderation.store.decisions", "revert"),
        ("moderation.store.flags", "back_to_queue"),
        ("moderation.store.readers", "appeal"),
        ("moderation.store.comments", "insert_many"),
        ("moderation.store.comments", "redecide"),
        ("moderation.store.checks", "insert_many"),
        ("moderation.store.checks", "apply"),
        ("moderation.store.checks", "redecide"),
        ("moderation.store.imports", "copy_history"),
    }
    assert expected <= writers


def test_every_module_that_changes_a_status_announces_it_through_ops_events() -> None:
    writers = status_writers()
    silent, callers = [], set()
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.parent.name == "store":
            continue
        name = _module_name(path)
        called, announces = _calls(ast.parse(path.read_text()))
        if not called & writers:
            continue
        callers.add(name)
        if not announces and name not in SILENT:
            silent.append(f"{name} calls {sorted(called & writers)}")
    assert not silent, f"status changes that ops/events.py never hears of: {silent}"
    # The exemptions still name modules that write statuses (or they go).
    assert set(SILENT) <= callers
