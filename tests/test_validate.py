"""The one form of argument errors: the argument's name, what was expected, what was received."""

import numpy as np
import pytest

from rnnbook import validate


def test_error_names_the_argument_the_requirement_and_the_value():
    err = validate.error_for("units", "be a positive integer", 0)
    assert str(err) == "Argument `units` must be a positive integer. Received: units=0"
    err = validate.error_for("x", "be (batch, time, features)", received="x.shape=(4, 3)",
                             hint="Add a time axis.")
    assert str(err) == ("Argument `x` must be (batch, time, features). Received: x.shape=(4, 3). "
                        "Add a time axis.")
    assert str(validate.shape_error_for("x", np.zeros((4, 3)), "be 3-D")).endswith("x.shape=(4, 3)")


@pytest.mark.parametrize("bad", [0, -1, 2.5, True, "3", None])
def test_positive_int(bad):
    assert validate.positive_int("n", 3) == 3 and validate.positive_int("n", np.int64(2)) == 2
    with pytest.raises(ValueError, match=r"Argument `n` must be a positive integer\. Received: n="):
        validate.positive_int("n", bad)


def test_integer_with_a_minimum_and_none():
    assert validate.integer("length", 0, 0) == 0
    assert validate.integer("top_k", None, 1, none=True) is None
    with pytest.raises(ValueError, match="must be a non-negative integer. Received: length=-1"):
        validate.integer("length", -1, 0)
    with pytest.raises(ValueError, match="must be None or a positive integer. Received: top_k=0"):
        validate.integer("top_k", 0, 1, none=True)
    with pytest.raises(ValueError, match="must be an integer >= 2. Received: seq_len=1"):
        validate.integer("seq_len", 1, 2)


def test_number_writes_its_interval():
    assert validate.number("p", 1.0, 0, 1, low_open=True) == 1.0
    with pytest.raises(ValueError, match=r"Argument `p` must lie in \(0, 1\]\. Received: p=0"):
        validate.number("p", 0, 0, 1, low_open=True)
    with pytest.raises(ValueError, match=r"must be a number >= 0\. Received: t=nan"):
        validate.number("t", float("nan"), 0)
    with pytest.raises(ValueError, match=r"must be None or a number > 0\. Received: c='1'"):
        validate.number("c", "1", 0, low_open=True, none=True)
    assert validate.number("c", None, 0, none=True) is None


def test_one_of_lists_the_choices():
    assert validate.one_of("kind", "gru", ("rnn", "gru")) == "gru"
    with pytest.raises(ValueError, match="Argument `kind` must be one of 'rnn', 'gru'. "
                                         "Received: kind='cnn'"):
        validate.one_of("kind", "cnn", ("rnn", "gru"))


def test_probabilities():
    np.testing.assert_allclose(validate.probabilities("probs", [[0.25, 0.75]]), [0.25, 0.75])
    with pytest.raises(ValueError, match=r"must sum to 1 .* Received: sum\(probs\)=2\. Pass"):
        validate.probabilities("probs", [1.0, 1.0])
    with pytest.raises(ValueError, match="hold no negative value"):
        validate.probabilities("probs", [1.5, -0.5])
