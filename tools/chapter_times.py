"""Record how long each chapter took to execute in the last book build, per profile.

Usage:
    python tools/chapter_times.py [PROFILE]            (run by ``make book`` after the build)
    python tools/chapter_times.py --commit [PROFILE]   (``make chapter-times``)

Reads the execution cache that Jupyter Book keeps in ``_build/.jupyter_cache`` (it stores each
notebook's execution seconds), prints a table and merges the figures for ``PROFILE`` into
``_build/chapter-times.json``: a build changes no tracked file. With ``--commit`` they go into
the committed ``benchmarks/results/chapter-times.json`` instead, which every chapter's header
reads (:func:`rnnbook.book.display.running_time`): figures published on purpose. Only chapters
executed in the cached build are updated.
"""

import argparse
import datetime
import json
import os
import platform
from pathlib import Path

from jupyter_cache import get_cache

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "_build" / ".jupyter_cache"
RESULTS = ROOT / "benchmarks" / "results" / "chapter-times.json"  # committed, read by the book
MEASURED = ROOT / "_build" / "chapter-times.json"  # what make book writes


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


def main(profile: str, results: Path = MEASURED, cache: Path = CACHE) -> None:
    """Merge the chapter times of ``cache`` for ``profile`` into the JSON file ``results``."""
    times = json.loads(results.read_text()) if results.is_file() else {}
    entry = times.setdefault(profile, {})
    for chapter, (seconds, date) in sorted(measured(cache).items()):
        entry[chapter] = {"seconds": round(seconds, 1), "date": date, "machine": machine()}
        print(f"{chapter:>20s} {seconds:8.1f} s  ({profile} profile)")
    results.parent.mkdir(parents=True, exist_ok=True)
    results.write_text(json.dumps(times, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("profile", nargs="?", default=os.environ.get("RNNBOOK_PROFILE", "cpu"))
    parser.add_argument("--commit", action="store_true",
                        help=f"write into {RESULTS.relative_to(ROOT)} (the committed figures)")
    arguments = parser.parse_args()
    target = RESULTS if arguments.commit else MEASURED
    main(arguments.profile, target)
    print(f"updated {target.relative_to(ROOT)} ({datetime.date.today()})")
