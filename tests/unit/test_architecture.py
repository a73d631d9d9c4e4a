"""The house's map stays true: the import contract holds, and docs/architecture.md names
only files that exist."""

from __future__ import annotations

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
