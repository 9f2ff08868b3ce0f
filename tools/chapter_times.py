"""Record how long each chapter took to execute in the last book build, per profile.

Usage: python tools/chapter_times.py [PROFILE]   (run by `make book` after the build)

Reads the execution cache that Jupyter Book keeps in ``_build/.jupyter_cache`` (it stores each
notebook's execution seconds), prints a table and merges the figures for ``PROFILE`` into
``benchmarks/results/chapter-times.json``, which every chapter's header reads
(:func:`rnnbook.book.display.running_time`). Only chapters executed in this build are updated.
"""

import datetime
import json
import os
import platform
import sys
from pathlib import Path

from jupyter_cache import get_cache

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "_build" / ".jupyter_cache"
RESULTS = ROOT / "benchmarks" / "results" / "chapter-times.json"


def machine() -> str:
    return f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores"


def measured(cache: Path = CACHE) -> dict[str, tuple[float, str]]:
    """Chapter name -> (seconds, date) of its newest cached execution."""
    found: dict[str, tuple[float, str]] = {}
    if not cache.is_dir():
        return found
    for record in sorted(get_cache(cache).list_cache_records(), key=lambda r: r.created):
        path = Path(record.uri)
        seconds = (record.data or {}).get("execution_seconds")
        if path.parent.name == "chapters" and seconds is not None:
            found[path.stem] = (float(seconds), record.created.date().isoformat())
    return found


def main(profile: str) -> None:
    times = json.loads(RESULTS.read_text()) if RESULTS.is_file() else {}
    entry = times.setdefault(profile, {})
    for chapter, (seconds, date) in sorted(measured().items()):
        entry[chapter] = {"seconds": round(seconds, 1), "date": date, "machine": machine()}
        print(f"{chapter:>20s} {seconds:8.1f} s  ({profile} profile)")
    RESULTS.write_text(json.dumps(times, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("RNNBOOK_PROFILE", "cpu"))
    print(f"updated {RESULTS.relative_to(ROOT)} ({datetime.date.today()})")
