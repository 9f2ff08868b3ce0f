"""The browser-console check of the built book (tools/check_book_console.py): Chromium, pages
opened from file:// with every network request blocked."""

import pytest

from rnnbook.config import REPO_ROOT
from tests.conftest import load_script

console = load_script("tools/check_book_console.py")
REASON = console.unavailable()
pytestmark = pytest.mark.skipif(REASON is not None, reason=f"no browser check: {REASON}")
HTML = REPO_ROOT / "_build" / "html"

CLEAN = "<html><body><p>A page.</p><script>console.log('fine');</script></body></html>"


def _page(tmp_path, name, body):
    path = tmp_path / name
    path.write_text(body)
    return path


def test_a_clean_page_passes_and_each_kind_of_error_is_reported(tmp_path):
    pages = {
        "clean": _page(tmp_path, "clean.html", CLEAN),
        "logged": _page(tmp_path, "logged.html",
                        "<script>console.error('Identifier already declared')</script>"),
        "thrown": _page(tmp_path, "thrown.html",
                        "<script>undefined_thing.Queue([1])</script>"),
        "missing": _page(tmp_path, "missing.html", '<script src="_static/none.js"></script>'),
        "network": _page(tmp_path, "network.html",
                         '<script src="https://cdn.example.org/x.js"></script>'),
        "narrow": _page(tmp_path, "narrow.html",
                        '<div class="widget-slider"><div class="slider-container" '
                        'style="width:6px;height:4px"></div></div>'),
    }
    found = console.check(list(pages.values()))
    problems = {name: found[path] for name, path in pages.items()}
    assert problems["clean"] == []
    assert problems["logged"] == ["console: Identifier already declared"]
    assert len(problems["thrown"]) == 1 and problems["thrown"][0].startswith("script error:")
    assert any(p.startswith("missing file:") and p.endswith("_static/none.js")
               for p in problems["missing"])
    assert problems["network"] == ["network request (blocked): https://cdn.example.org/x.js"]
    assert problems["narrow"] == ["1 slider tracks narrower than 40 px (6)"]


@pytest.mark.skipif(not (HTML / "index.html").is_file(), reason="the book is not built "
                    "(make book, or RNNBOOK_PROFILE=smoke make book)")
def test_the_built_pages_have_a_clean_console():
    found = console.check(console.pages(HTML))
    assert {path.name: problems for path, problems in found.items() if problems} == {}
