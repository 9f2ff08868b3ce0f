"""Check the built HTML book: what a reader sees on every chapter page.

Usage: python tools/check_book_html.py [_build/html]   (run by `make book` after the build)

On each chapter page listed in ``_toc.yml``: the running-time line, at least three numbered
exercises, every solution folded (a dropdown), no check cell (those are removed), no error
output, and a page that reads offline: MathJax, require.js and (on a page with widgets) the
widgets' HTML manager load from the build's ``_static/`` (MathJax from the package
sphinx-mathjax-offline, the others committed under ``_offline/``: ``tools/fetch_static.py``),
the files are there, and no script comes from a CDN but Thebe's (live code, online only).
A page whose lesson is static HTML (the text coloured by a unit) must carry it.
"""

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MIN_EXERCISES = 3
# What a page loads from the build's _static/ (tools/fetch_static.py checks them).
MATHJAX, REQUIRE, WIDGETS = "mathjax/tex-chtml.js", "require.js", "widgets/embed-amd.js"
ONLINE_ONLY = ("thebe",)  # live code needs a kernel on the network anyway
# Static HTML a page must carry without a kernel: (what, pattern, at least how many).
STATIC_HTML = {
    "chapters/inside_the_lstm": ("characters coloured by a unit",
                                 r'<span title="[^"]*" style="background-color:', 500),
}


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


def static_html_problems(name: str, html: str) -> list[str]:
    """What is missing of the static HTML a page must carry (empty when it is all there)."""
    if name not in STATIC_HTML:
        return []
    what, pattern, least = STATIC_HTML[name]
    found = len(re.findall(pattern, html))
    return [] if found >= least else [f"{found} {what}, expected at least {least}"]


def script_sources(html: str) -> list[str]:
    """The ``src`` of every ``<script>`` of a page, without the ``?v=`` cache buster."""
    return [src.split("?")[0] for src in re.findall(r'<script\b[^>]*\bsrc="([^"]+)"', html)]


def offline_problems(html: str, static: Path) -> list[str]:
    """What keeps one built chapter page from reading offline (empty when it reads offline).

    Args:
        html: the page.
        static: the build's ``_static/`` folder, where the page's scripts must be.
    """
    problems = []
    sources = script_sources(html)
    remote = [s for s in sources if re.match(r"(https?:)?//", s)
              and not any(name in s for name in ONLINE_ONLY)]
    if remote:
        problems.append("scripts from the network: " + ", ".join(remote))
    needed = [MATHJAX, REQUIRE]
    if "application/vnd.jupyter.widget-state+json" in html:
        needed.append(WIDGETS)
    for asset in needed:
        if not any(s.endswith("_static/" + asset) for s in sources):
            problems.append(f"{asset} is not loaded from _static/")
        elif not (static / asset).is_file():
            problems.append(f"_static/{asset} is missing from the build")
    return problems


def main(html_dir: Path) -> int:
    toc = (ROOT / "_toc.yml").read_text()
    failed = 0
    for name in re.findall(r"^\s*-\s*file:\s*(chapters/\S+)", toc, re.M):
        page = html_dir / f"{name}.html"
        if page.is_file():
            html = page.read_text()
            problems = (chapter_problems(html) + offline_problems(html, html_dir / "_static")
                        + static_html_problems(name, html))
        else:
            problems = ["page missing"]
        failed += bool(problems)
        print(f"{name}: " + ("; ".join(problems) if problems else "ok"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "_build" / "html"))
