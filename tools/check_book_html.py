"""Check the built HTML book: what a reader sees on every chapter page.

Usage: python tools/check_book_html.py [_build/html]   (run by `make book` after the build)

On each chapter page listed in ``_toc.yml``: the running-time line, at least three numbered
exercises, every solution folded (a dropdown), no check cell (those are removed), and no
error output.
"""

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MIN_EXERCISES = 3


def chapter_problems(html: str) -> list[str]:
    """What is wrong with one built chapter page (empty when it is fine)."""
    problems = []
    exercises = re.findall(r'<div class="exercise[^"]*admonition"[^>]*>\s*<p class="admonition'
                           r'-title"><span class="caption-number">Exercise [\d.]+', html)
    if len(exercises) < MIN_EXERCISES:
        problems.append(f"{len(exercises)} numbered exercises, expected at least {MIN_EXERCISES}")
    solutions = re.findall(r'<div class="solution([^"]*)admonition"', html)
    unfolded = [s for s in solutions if "dropdown" not in s.split()]
    if not solutions:
        problems.append("no solution")
    if unfolded:
        problems.append(f"{len(unfolded)} solutions not folded")
    if "Running time" not in html:
        problems.append("no running-time line")
    if "tag_check" in html:
        problems.append("a check cell is visible")
    if re.search(r"Traceback|AssertionError|ClaimError|ExerciseError", html):
        problems.append("an error output is shown")
    return problems


def main(html_dir: Path) -> int:
    toc = (ROOT / "_toc.yml").read_text()
    failed = 0
    for name in re.findall(r"^\s*-\s*file:\s*(chapters/\S+)", toc, re.M):
        page = html_dir / f"{name}.html"
        problems = chapter_problems(page.read_text()) if page.is_file() else ["page missing"]
        failed += bool(problems)
        print(f"{name}: " + ("; ".join(problems) if problems else "ok"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "_build" / "html"))
