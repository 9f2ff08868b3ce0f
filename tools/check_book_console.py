"""Open the built book's pages in Chromium, offline, and report what their console shows.

Usage: python tools/check_book_console.py [_build/html]   (run by ``make book`` after the build)

Every page listed in ``_toc.yml`` (and the index) is opened from ``file://`` with every network
request blocked, as a reader without a network would open it. A page fails when its console
logs an error, a script throws, or a file it asks for is missing (a font, a script). The widget
snapshots must also be drawn: each ``widget-view+json`` gets its rendered view, and no slider
track is narrower than :data:`MIN_TRACK_PX`.

Needs the Python package ``playwright`` (the ``test`` extra) and a Chromium installed by the
system (``/usr/bin/chromium``, ``chromium`` or ``google-chrome`` on the PATH, or the path in
``RNNBOOK_CHROMIUM``; Playwright never downloads one here); without either it says so in one
line and checks nothing (exit 0).
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]
MIN_TRACK_PX = 40  # a slider whose track is narrower shows as a bare handle
SETTLE_MS = 1500  # after the load event: the widgets render, MathJax typesets


def chromium() -> str | None:
    """The installed Chromium's path, or None."""
    for candidate in (os.environ.get("RNNBOOK_CHROMIUM"), "/usr/bin/chromium",
                      shutil.which("chromium"), shutil.which("chromium-browser"),
                      shutil.which("google-chrome")):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


def unavailable() -> str | None:
    """Why the console cannot be checked here (None when it can)."""
    if importlib.util.find_spec("playwright") is None:
        return "the Python package playwright is not installed (pip install -e '.[test]')"
    if chromium() is None:
        return "no Chromium installed (/usr/bin/chromium, or set RNNBOOK_CHROMIUM)"
    return None


# Measured in the page: widget views drawn and the narrowest slider track.
_WIDGETS_JS = """() => {
  const views = document.querySelectorAll(
    'script[type="application/vnd.jupyter.widget-view+json"]');
  const drawn = document.querySelectorAll('.widget-subarea > *').length;
  const tracks = Array.from(document.querySelectorAll('.widget-slider .slider-container'))
    .map(e => e.getBoundingClientRect().width);
  return {views: views.length, drawn: drawn, tracks: tracks};
}"""


def page_problems(browser, page_path: Path) -> list[str]:
    """What the console of one page shows, opened offline (empty when it is clean)."""
    problems: list[str] = []
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    # Every request that is not a local file is refused: the page must read offline. A request
    # refused this way is reported by name, not as a console error of the page.
    blocked: list[str] = []

    def route(request_route):
        url = request_route.request.url
        if url.startswith(("file:", "data:", "blob:", "about:")):
            request_route.continue_()
        else:
            blocked.append(url)
            request_route.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("console", lambda m: m.type == "error" and problems.append(f"console: {m.text}"))
    page.on("pageerror", lambda e: problems.append(f"script error: {e}"))
    page.on("requestfailed", lambda r: r.url.startswith("file:") and problems.append(
        f"missing file: {r.url.split('/_build/html/')[-1]}"))
    page.goto(page_path.resolve().as_uri(), wait_until="load")
    page.wait_for_timeout(SETTLE_MS)
    widgets = page.evaluate(_WIDGETS_JS)
    context.close()
    problems = [p for p in problems if not _is_blocked_request(p, blocked)]
    problems += [f"network request (blocked): {url}" for url in blocked]
    if widgets["views"] and widgets["drawn"] < widgets["views"]:
        problems.append(f"{widgets['drawn']} of {widgets['views']} widget views drawn")
    narrow = [w for w in widgets["tracks"] if w < MIN_TRACK_PX]
    if narrow:
        problems.append(f"{len(narrow)} slider tracks narrower than {MIN_TRACK_PX} px "
                        f"({', '.join(f'{w:.0f}' for w in narrow)})")
    return problems


def _is_blocked_request(problem: str, blocked: list[str]) -> bool:
    # Chromium logs "Failed to load resource: net::ERR_FAILED" for a request this check refused;
    # it is reported once, with its address, as a network request.
    return bool(blocked) and problem.startswith("console: Failed to load resource: net::ERR_FAILED")


def pages(html_dir: Path) -> list[Path]:
    toc = (ROOT / "_toc.yml").read_text()
    names = ["index"] + re.findall(r"^\s*-\s*file:\s*(\S+)", toc, re.M)
    return [html_dir / f"{Path(name).with_suffix('')}.html" for name in dict.fromkeys(names)]


def check(paths: list[Path]) -> dict[Path, list[str]]:
    """Each page -> its problems."""
    from playwright.sync_api import sync_playwright

    found = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium(), args=ARGS)
        try:
            for path in paths:
                found[path] = page_problems(browser, path) if path.is_file() else ["page missing"]
        finally:
            browser.close()
    return found


def main(html_dir: Path) -> int:
    reason = unavailable()
    if reason is not None:
        print(f"warning: the pages' browser console is not checked: {reason}")
        return 0
    failed = 0
    for path, problems in check(pages(html_dir)).items():
        failed += bool(problems)
        name = path.relative_to(html_dir).as_posix()
        print(f"{name}: " + ("; ".join(problems) if problems else "clean console"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "_build" / "html"))
