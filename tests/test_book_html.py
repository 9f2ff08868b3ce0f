"""The check of the built HTML book (tools/check_book_html.py) on pages shaped like the build's."""

import importlib.util
from pathlib import Path

from rnnbook.config import REPO_ROOT
from tests.conftest import load_script

check_book_html = load_script("tools/check_book_html.py")

EXERCISE = ('<div class="exercise admonition" id="a-ex-{0}">\n<p class="admonition-title">'
            '<span class="caption-number">Exercise 1.{0} </span> (Title)</p>')
SOLUTION = '<div class="solution dropdown admonition" id="chapters/a-solution-{0}">'
GOOD = ("<p><strong>Running time</strong>, as measured</p>"
        + "".join(EXERCISE.format(i) + SOLUTION.format(i) for i in (1, 2, 3)))


def test_a_page_like_the_build_passes():
    assert check_book_html.chapter_problems(GOOD) == []


def test_missing_exercises_unfolded_solutions_and_visible_checks_are_found():
    two = GOOD.replace(EXERCISE.format(3), "")
    assert check_book_html.chapter_problems(two) == ["2 numbered exercises, expected at least 3"]
    unfolded = GOOD.replace('class="solution dropdown admonition"', 'class="solution admonition"')
    assert check_book_html.chapter_problems(unfolded) == ["3 solutions not folded"]
    shown = GOOD + '<div class="cell tag_check tag_remove-cell docutils container">'
    assert check_book_html.chapter_problems(shown) == ["a check cell is visible"]
    failed = GOOD + "<pre>ClaimError: claim does not hold</pre>"
    assert check_book_html.chapter_problems(failed) == ["an error output is shown"]


HEAD = ('<script src="../_static/documentation_options.js?v=9eb32ce0"></script>\n'
        '<script defer="defer" src="../_static/mathjax/tex-chtml.js?v=cadf963e"></script>\n'
        '<script src="../_static/require.js?v=761b64dd"></script>\n'
        '<script async="async" src="https://unpkg.com/thebe@0.8.2/lib/index.js"></script>\n')
WIDGETS = ('<script src="../_static/widgets/embed-amd.js?v=39b3b2cb"></script>\n'
           '<script type="application/vnd.jupyter.widget-state+json">{}</script>')


def _static(tmp_path, *assets):
    for asset in assets:
        (tmp_path / asset).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / asset).write_text("//")
    return tmp_path


def test_a_page_that_loads_its_scripts_from_static_reads_offline(tmp_path):
    static = _static(tmp_path, "mathjax/tex-chtml.js", "require.js", "widgets/embed-amd.js")
    assert check_book_html.offline_problems(HEAD, static) == []
    assert check_book_html.offline_problems(HEAD + WIDGETS, static) == []


def test_mathjax_or_widgets_from_a_cdn_or_missing_files_are_found(tmp_path):
    static = _static(tmp_path, "mathjax/tex-chtml.js", "require.js")
    cdn = HEAD.replace("../_static/mathjax/tex-chtml.js?v=cadf963e",
                       "https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-mml-chtml.js")
    assert check_book_html.offline_problems(cdn, static) == [
        "scripts from the network: https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-mml-chtml.js",
        "mathjax/tex-chtml.js is not loaded from _static/"]
    assert check_book_html.offline_problems(HEAD + WIDGETS, static) == [
        "_static/widgets/embed-amd.js is missing from the build"]
    no_manager = WIDGETS.replace("../_static/widgets/embed-amd.js?v=39b3b2cb",
                                 "https://cdn.jsdelivr.net/npm/@jupyter-widgets/html-manager"
                                 "@1.0.6/dist/embed-amd.js")
    problems = check_book_html.offline_problems(HEAD + no_manager, static)
    assert problems[1] == "widgets/embed-amd.js is not loaded from _static/"
    (static / "require.js").unlink()
    assert check_book_html.offline_problems(HEAD, static) == [
        "_static/require.js is missing from the build"]


def test_the_book_is_configured_to_serve_them_from_the_fetched_folder():
    config = (REPO_ROOT / "_config.yml").read_text()
    fetch_static = load_script("tools/fetch_static.py")
    static_path = config.split("html_static_path: [", 1)[1].split("]", 1)[0]
    assert f'"{fetch_static.STATIC.name}"' in static_path.split(", ")
    assert fetch_static.MATHJAX_PACKAGE in config  # which sets mathjax_path to MATHJAX:
    package = importlib.util.find_spec(fetch_static.MATHJAX_PACKAGE).origin
    assert f'mathjax_path = "{check_book_html.MATHJAX}"' in Path(package).read_text()
    assert (fetch_static.MATHJAX_SCRIPT, fetch_static.REQUIRE_SCRIPT,
            fetch_static.WIDGETS_SCRIPT) == (check_book_html.MATHJAX, check_book_html.REQUIRE,
                                             check_book_html.WIDGETS)
    assert f"- {check_book_html.REQUIRE}" in config and f"{check_book_html.WIDGETS}: " in config
    assert "cdnjs" not in config and "jsdelivr" not in config


def test_the_coloured_text_must_be_in_the_built_page():
    span = '<span title="+0.5" style="background-color:#f00">a</span>'
    name = "chapters/inside_the_lstm"
    assert check_book_html.static_html_problems(name, span * 500) == []
    assert check_book_html.static_html_problems(name, span * 3) == [
        "3 characters coloured by a unit, expected at least 500"]
    assert check_book_html.static_html_problems("chapters/lstm", "") == []
