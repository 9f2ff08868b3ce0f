"""The exercise machinery: stubs are not attempted, differences are located, mistakes named."""

import numpy as np
import pytest

from rnnbook.exercises import core


def reference(x):
    return 2 * x


@core.checker("double")
def check_double(fn) -> bool:
    x = np.arange(6.0).reshape(2, 3)
    core.compare("double", "the output", core.call(fn, x), reference(x), axes=("row", "column"),
                 mistakes={"you added x to itself once too often": 3 * x})
    return core.passed("double", "two cases")


def test_a_stub_is_not_attempted_and_does_not_raise(capsys):
    def stub(x):
        raise NotImplementedError

    def dots(x):
        ...

    assert check_double(stub).passed is False
    assert check_double(dots).passed is False
    assert capsys.readouterr().out.count("not attempted yet") == 2


def test_the_right_answer_passes(capsys):
    assert check_double(lambda x: x + x).passed is True
    assert "double: correct." in capsys.readouterr().out


def test_a_known_mistake_is_named():
    named = "(?s)differs at row 0, column 1.*added x to itself"
    with pytest.raises(core.ExerciseError, match=named):
        check_double(lambda x: 3 * x)


def test_an_unknown_mistake_is_located_without_a_guess():
    with pytest.raises(core.ExerciseError) as error:
        check_double(lambda x: 2 * x + (x > 4))
    assert "row 1, column 2" in str(error.value) and "Likely mistake" not in str(error.value)


def test_shape_and_nan_are_reported():
    assert "shape" in core.first_difference(np.zeros(2), np.zeros(3), atol=1e-6)
    assert "NaN" in core.first_difference([np.nan], [0.0], atol=1e-6)


def test_an_outcome_is_truthy_when_passed_and_shows_nothing_in_a_notebook(capsys):
    outcome = check_double(lambda x: x + x)
    assert outcome and outcome.passed is True and not core.Outcome(False)
    capsys.readouterr()
    assert outcome._ipython_display_() is None and capsys.readouterr().out == ""
