"""The check of the built HTML book (tools/check_book_html.py) on pages shaped like the build's."""

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
