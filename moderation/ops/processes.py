"""Starting `python -m moderation ...` in a child process that imports this very package.

`python -m` puts the current directory first on sys.path, so a folder named
`moderation/` there (a clone of the repository, say) would shadow the installed
package in a worker or a training job (`ImportError: cannot import name
'__version__'`). `-P` (Python 3.11+) leaves the current directory out, and
PYTHONPATH leads with the folder this process imported `moderation` from, so the
child runs the same code as its parent, from any current directory.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

import moderation

# The folder that holds the `moderation` package this process runs.
PACKAGE_ROOT = str(Path(moderation.__file__).resolve().parents[1])


def module_argv(*args: str) -> list[str]:
    return [sys.executable, "-P", "-m", "moderation", *args]


def module_env(base: Mapping[str, str]) -> dict[str, str]:
    env = dict(base)
    rest = env.get("PYTHONPATH", "")
    env["PYTHONPATH"] = PACKAGE_ROOT + (os.pathsep + rest if rest else "")
    return env
