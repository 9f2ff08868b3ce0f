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


# --- the hardening machinery -----------------------------------------------------------------

@pytest.mark.parametrize("value", [3, 3.0, np.int64(3), np.float32(3.0), np.array(3),
                                   np.array([3])])
def test_as_number_reads_every_form_of_a_number(value):
    assert core.as_number("ex", "n", value, whole=True) == 3


@pytest.mark.parametrize(("value", "named"), [
    ("3", "should be a number, got a str"), (True, "should be a number, got a bool"),
    ([3, 4], "should be one number, got a list"), (np.ones(2), "should be one number"),
    (3.5, "should be a whole number"), (float("inf"), "finite"), (None, "should be a number"),
])
def test_as_number_answers_anything_else_with_a_line(value, named):
    with pytest.raises(core.ExerciseError, match=named):
        core.as_number("ex", "n", value, whole=True)


def test_a_float32_answer_agrees_and_a_near_miss_says_so():
    expected = np.linspace(-3, 3, 50)
    assert core.first_difference(expected.astype(np.float32), expected, atol=1e-9) is None
    assert core.first_difference(expected / (1 + 1e-8), expected, atol=1e-9) is None  # epsilon
    near = core.first_difference(expected * 1.001, expected, atol=1e-9)
    assert "close but not equal" in near and "8 significant" not in near
    far = core.first_difference(expected * 2, expected, atol=1e-9)
    assert "close" not in far


def test_inputs_changed_in_place_and_outputs_aliasing_them_are_named():
    given = {"a": np.zeros(3)}
    original = core.copies(given)[0]
    given["a"][1] = 5
    with pytest.raises(core.ExerciseError, match=r"changed its input `params\['a'\]` in place"):
        core.unchanged("ex", ("params",), (given,), (original,))
    x = np.zeros((2, 3))
    with pytest.raises(core.ExerciseError, match="is \\(a view of\\) your input `x`"):
        core.not_alias("ex", "y", x[0], ("x",), (x,))
    core.not_alias("ex", "y", x.copy(), ("x",), (x,))


def test_a_checker_turns_its_own_errors_into_a_line_and_keeps_the_learners():
    @core.checker("ex")
    def reads(fn):
        return float(core.call(fn)) > 0  # float() of a malformed answer fails in the checker

    with pytest.raises(core.ExerciseError, match="^ex: your answer has an unexpected form"):
        reads(lambda: {"not": "a number"})

    def buggy():
        return [1, 2][5]

    with pytest.raises(IndexError):
        reads(buggy)
    with pytest.raises(core.ExerciseError, match="pass the function itself"):
        reads(3)
