"""Decide whether the book's executed outputs in ``_build/`` may be reused.

Usage: python tools/build_stamp.py PROFILE   (run by ``make book`` before the build)

Jupyter Book's execution cache re-executes a chapter only when the chapter's code cells change.
The outputs also depend on the profile (sizes of data and training) and on the package under
``code/`` the chapters import: a fix there must show in the book. The stamp
``_build/.stamp.json`` records both (the profile and a SHA-256 over every file under ``code/``);
when the stamp of this tree differs from the recorded one, or none is recorded next to an
existing build, ``_build/`` is dropped and every chapter executes again. Nothing changed: the
cache is kept and the build takes seconds.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "_build"
CODE = ROOT / "code"
STAMP = ".stamp.json"
SKIPPED = ("__pycache__", ".egg-info", ".ipynb_checkpoints")  # made by Python, not sources


def code_hash(code: Path = CODE) -> str:
    """SHA-256 over the relative path and content of every source file under ``code``."""
    digest = hashlib.sha256()
    for path in sorted(p for p in code.rglob("*") if p.is_file()):
        relative = path.relative_to(code)
        if path.suffix == ".pyc" or any(part.endswith(SKIPPED) for part in relative.parts):
            continue
        digest.update(relative.as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def stamp(profile: str, code: Path = CODE) -> dict[str, str]:
    return {"profile": profile, "code": code_hash(code)}


def stale_because(build: Path, wanted: dict[str, str]) -> str | None:
    """Why the build in ``build`` must be dropped for ``wanted``; None when it may be reused."""
    if not build.is_dir() or not any(build.iterdir()):
        return None
    path = build / STAMP
    if not path.is_file():
        return "no stamp records what the previous build executed"
    try:
        recorded = json.loads(path.read_text())
    except ValueError:
        return f"{STAMP} is unreadable"
    if recorded.get("profile") != wanted["profile"]:
        return f"profile changed from {recorded.get('profile')} to {wanted['profile']}"
    if recorded.get("code") != wanted["code"]:
        return "the package under code/ changed"
    return None


def prepare(profile: str, build: Path = BUILD, code: Path = CODE) -> str | None:
    """Drop ``build`` when stale, then record this tree's stamp; return why it was dropped."""
    wanted = stamp(profile, code)
    reason = stale_because(build, wanted)
    if reason is not None:
        shutil.rmtree(build)
    build.mkdir(parents=True, exist_ok=True)
    (build / STAMP).write_text(json.dumps(wanted, indent=1) + "\n")
    return reason


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    reason = prepare(argv[0])
    if reason is not None:
        print(f"{reason}: dropping the previous build, every chapter executes again")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
