"""The GRU backward-step exercise: right answers pass, every named mistake is named, wrong
answers outside the list are rejected."""

import numpy as np
import pytest

from rnnbook.exercises import core
from rnnbook.exercises import gru_backward as check
from tests.conftest import stub


def test_the_stub_is_not_attempted(capsys):
    assert check.gru_step_backward(stub).passed is False
    assert "not attempted yet" in capsys.readouterr().out


def test_the_reference_and_a_hand_written_step_pass():
    assert check.gru_step_backward(check.reference_step_backward).passed is True
    assert check.gru_step_backward(check.mistaken_step_backward).passed is True


def test_the_hand_written_step_agrees_with_central_differences():
    _, args = check._cases(np.random.default_rng(3))[1]
    mine, numeric = check.mistaken_step_backward(*args), check.numerical_step_backward(*args)
    for key in check.OUTPUTS:
        assert np.allclose(mine[key], numeric[key], atol=1e-7), key


def test_a_float32_answer_passes():
    def float32(*args):
        out = check.mistaken_step_backward(*(np.asarray(a, np.float32) for a in args))
        return {k: v.astype(np.float32) for k, v in out.items()}
    assert check.gru_step_backward(float32).passed is True


@pytest.mark.parametrize(("hint", "switches"), list(check.MISTAKES.items()))
def test_every_named_mistake_is_named(hint, switches):
    with pytest.raises(core.ExerciseError) as error:
        check.gru_step_backward(lambda *a: check.mistaken_step_backward(*a, **switches))
    assert "Likely mistake: " + hint in str(error.value)


def _in_place(dh, *args):
    out = check.reference_step_backward(dh.copy(), *args)
    dh *= 2.0
    return out


@pytest.mark.parametrize(("answer", "named"), [
    (_in_place, "changed its input `dh` in place"),
    (lambda *a: {**check.reference_step_backward(*a), "db": "zero"}, "db (the bias's gradient) "
     "should be an array"),
    (lambda *a: tuple(check.reference_step_backward(*a).values()), "should return a dict"),
    (lambda *a: {**check.reference_step_backward(*a),
                 "dW": check.reference_step_backward(*a)["dW"] * 1.001}, "close but not equal"),
])
def test_wrong_answers_outside_the_list_are_rejected(answer, named):
    with pytest.raises(core.ExerciseError) as error:
        check.gru_step_backward(answer)
    assert named in str(error.value)
