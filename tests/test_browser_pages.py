"""The built book's in-page tools in a real browser: file://, every network request blocked.

Opens ``_build/html`` (``make book``) in headless Chromium driven by Playwright: in the sampling
explorer, types a seed, clicks Generate and checks the text on screen continues the seed (and,
greedy, is the NumPy stepper's own continuation); in Inside the trained LSTM, checks that the
colouring follows the unit chosen, value for value. Skipped, with the reason, when there is no
Chromium, no Playwright or no built book.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from rnnbook.generation import sampling
from rnnbook.inside.anatomy import _colour

ROOT = Path(__file__).resolve().parents[1]
PAGES = ROOT / "_build" / "html" / "chapters"
CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]

if not CHROMIUM.exists():
    pytest.skip(f"no browser: {CHROMIUM} is not installed", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api",
                               reason="the playwright Python package is not installed")
if not (PAGES / "sampling_explorer.html").exists():
    pytest.skip("the book is not built (make book, or RNNBOOK_PROFILE=smoke make book)",
                allow_module_level=True)
if "data-rnnbook" not in (PAGES / "sampling_explorer.html").read_text(encoding="utf-8"):
    pytest.skip("the built book predates the in-page explorer: build it again",
                allow_module_level=True)


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture()
def open_page(browser):
    pages = []

    def opener(name: str):
        page = browser.new_page()
        blocked, errors = [], []
        # Every request that is not a file of the book is refused: the page must not need it.
        page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(
            "file://") else (blocked.append(route.request.url), route.abort()))
        # Errors thrown by the course's scripts (the page's other scripts are not tested here).
        page.on("pageerror", lambda exc: errors.append(str(exc)) if "rnnbook" in (
            exc.stack or "") else None)
        page.goto((PAGES / f"{name}.html").as_uri())
        pages.append(page)
        return page, blocked, errors

    yield opener
    for page in pages:
        page.close()


def test_explorer_generates_from_the_seed_offline(open_page):
    from rnnbook.models import load_char_model

    page, _, errors = open_page("sampling_explorer")
    page.wait_for_selector(".rnnbook-generate", timeout=30_000)
    assert "sonnets_lstm128" in page.locator(".rnnbook-model option").all_inner_texts()
    assert page.locator(".rnnbook-model option").count() >= 6  # every committed model
    seed = "when i do count the clock that tells the time,\n"
    page.fill(".rnnbook-page-seed", seed)
    page.select_option(".rnnbook-model", "sonnets_lstm128")
    page.click(".rnnbook-generate")
    page.wait_for_function(
        "document.querySelector('.rnnbook-text') && "
        "document.querySelector('.rnnbook-text').textContent.length > 0", timeout=30_000)
    shown = page.locator(".rnnbook-output").inner_text()
    text = page.locator(".rnnbook-text").text_content()
    assert shown.startswith(seed.strip()), shown[:80]
    assert len(text) == 200
    status = page.locator(".rnnbook-status").inner_text()
    assert re.search(r"200 characters in [\d.]+ s: sonnets_lstm128, ancestral, T = 1\.00, "
                     r"random seed 1\.", status), status
    assert page.locator(".rnnbook-bar").count() == 12  # the chart of the next character

    # Greedy: the very continuation the NumPy stepper writes.
    page.click("[data-strategy=greedy]")
    page.click(".rnnbook-generate")
    page.wait_for_function("document.querySelector('.rnnbook-status').textContent"
                           ".includes('greedy')", timeout=30_000)
    model, vocab, _ = load_char_model("sonnets_lstm128")
    expected = sampling.generate(model, vocab, seed, 200, temperature=0)
    assert page.locator(".rnnbook-text").text_content() == expected
    assert not errors, errors


def colours(page) -> list[tuple[int, int, int]]:
    styles = page.eval_on_selector_all(".rnnbook-coloured span",
                                       "spans => spans.map(s => s.style.backgroundColor)")
    return [tuple(int(v) for v in re.findall(r"\d+", s)) for s in styles]


def test_colouring_follows_the_unit(open_page):
    from rnnbook.generation.stepper import CharStepper
    from rnnbook.models import load_char_model

    page, _, errors = open_page("inside_the_lstm")
    page.wait_for_selector(".rnnbook-coloured span", timeout=30_000)
    text = "shall i compare thee to a summer's day?\nthou art more lovely"
    page.fill(".rnnbook-colour-text", text)
    page.select_option(".rnnbook-colour-model", "sonnets_lstm128")
    page.select_option(".rnnbook-colour-array", "c")
    model, vocab, _ = load_char_model("sonnets_lstm128")
    stepper = CharStepper.from_model(model)
    cells, state = [], None
    for i in vocab.encode(text):
        _, state = stepper.step(np.array([i]), state)
        cells.append(state[1][0])  # the cell state c after each character
    cells = np.array(cells)
    seen = []
    for unit in (3, 77):
        page.fill(".rnnbook-colour-unit", str(unit))
        page.wait_for_function(f"document.querySelector('[data-rnnbook=colouring]')"
                               f".getAttribute('data-shown') === 'c[{unit}]'", timeout=10_000)
        assert f"c[{unit}]" in page.locator(".rnnbook-colour-caption").inner_text()
        values = cells[:, unit]
        scale = np.abs(values).max()
        expected = [tuple(int(v) for v in re.findall(r"\d+", _colour(v / scale)))
                    for v in values]
        got = colours(page)
        assert len(got) == len(text)
        assert np.abs(np.array(got) - np.array(expected)).max() <= 1  # rounding at .5 only
        seen.append(got)
    assert seen[0] != seen[1]  # another unit, other colours
    assert not errors, errors
