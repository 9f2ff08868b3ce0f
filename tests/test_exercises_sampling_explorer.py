"""The checkers of the sampling chapter: references pass, typical mistakes are named."""

import math

import numpy as np
import pytest

from rnnbook.exercises import core
from rnnbook.exercises import sampling_explorer as check
from rnnbook.generation import sampling
from tests.conftest import stub


def test_stubs_are_not_attempted(capsys):
    assert check.top_k(stub).passed is False
    assert check.top_p(stub).passed is False
    assert check.entropy_limits(stub).passed is False
    assert check.repetition(stub, None, None).passed is False
    assert capsys.readouterr().out.count("not attempted yet") == 4


# ---------------------------------------------------------------- top-k


def test_top_k_reference_passes():
    assert check.top_k(sampling.keep_top_k).passed is True
def ascending_top_k(p, k):
    keep = np.argsort(p)[:k]
    q = np.zeros_like(p)
    q[keep] = p[keep]
    return q / q.sum()


def unnormalised_top_k(p, k):
    keep = np.argsort(-p)[:k]
    q = np.zeros_like(p)
    q[keep] = p[keep]
    return q


def one_too_many_top_k(p, k):
    return sampling.keep_top_k(p, k + 1) if k < len(p) else p


@pytest.mark.parametrize(("wrong", "named"), [
    (ascending_top_k, "LEAST likely"),
    (unnormalised_top_k, "renormalise"),
    (one_too_many_top_k, "off-by-one"),
])
def test_top_k_mistakes_are_named(wrong, named):
    with pytest.raises(core.ExerciseError, match=f"(?s)Likely mistake.*{named}"):
        check.top_k(wrong)


# ---------------------------------------------------------------- top-p


def test_top_p_reference_passes():
    assert check.top_p(sampling.keep_top_p).passed is True
def without_crossing_top_p(p, top_p):
    order = np.argsort(-p)
    keep = order[np.cumsum(p[order]) < top_p]
    q = np.zeros_like(p)
    q[keep] = p[keep]
    return q / q.sum() if q.sum() else q


def ascending_top_p(p, top_p):
    order = np.argsort(p)
    keep = order[np.cumsum(p[order]) - p[order] < top_p]
    q = np.zeros_like(p)
    q[keep] = p[keep]
    return q / q.sum()


def unnormalised_top_p(p, top_p):
    order = np.argsort(-p)
    keep = order[np.cumsum(p[order]) - p[order] < top_p]
    q = np.zeros_like(p)
    q[keep] = p[keep]
    return q


@pytest.mark.parametrize(("wrong", "named"), [
    (without_crossing_top_p, "crosses p"),
    (ascending_top_p, "LEAST likely"),
    (unnormalised_top_p, "renormalise"),
])
def test_top_p_mistakes_are_named(wrong, named):
    with pytest.raises(core.ExerciseError, match=f"(?s)Likely mistake.*{named}"):
        check.top_p(wrong)


# ---------------------------------------------------------------- entropy at the two ends


def test_entropy_limits_reference_passes(capsys):
    p = np.random.default_rng(0).dirichlet(np.ones(39))
    assert check.entropy_limits(lambda: {"cold": 0.0, "hot": math.log2(39)}, p).passed is True
    out = capsys.readouterr().out
    assert "5.285 bits" in out and "Measured on the model's distribution" in out


@pytest.mark.parametrize(("guess", "named"), [
    ({"cold": 0.0, "hot": math.log(39)}, "in nats"),
    ({"cold": 0.0, "hot": math.log2(62)}, "before lower-casing"),
    ({"cold": math.log2(39), "hot": 0.0}, "swapped"),
])
def test_entropy_limits_mistakes_are_named(guess, named):
    with pytest.raises(core.ExerciseError, match=f"(?s)Likely mistake.*{named}"):
        check.entropy_limits(lambda: guess)


# ---------------------------------------------------------------- a temperature that loops


@pytest.fixture(scope="module")
def gru():
    from rnnbook.models import load_char_model

    model, vocab, _ = load_char_model("sonnets_gru128")
    return model, vocab


def _share(model, vocab, t):
    """The 8-gram share the exercise asks to measure: three samples, generators 0, 1 and 2."""
    return np.mean([check.repeated_share(sampling.generate(
        model, vocab, check.REPEAT_SEED, 300, temperature=t, rng=np.random.default_rng(s)))
        for s in range(3)])


@pytest.fixture(scope="module")
def highest(gru):
    """The answer a learner finds: from warm to cold in steps of 0.05, the first that loops."""
    model, vocab = gru
    return next(t for t in np.round(np.arange(1.0, 0.0, -0.05), 2)
                if _share(model, vocab, float(t)) > check.REPEAT_SHARE)


def test_repetition_the_highest_passes_and_warm_is_rejected(gru, highest, capsys):
    model, vocab = gru
    assert 0.1 < highest < 1.0
    assert check.repetition(lambda: float(highest), model, vocab).passed is True
    assert "8-grams" in capsys.readouterr().out
    with pytest.raises(core.ExerciseError, match="(?s)Likely mistake.*well below 1"):
        check.repetition(lambda: 1.0, model, vocab)
    with pytest.raises(core.ExerciseError, match="should be a number, got a str 'cold'"):
        check.repetition(lambda: "cold", model, vocab)
    with pytest.raises(core.ExerciseError, match="a number >= 0"):
        check.repetition(lambda: -0.5, model, vocab)


# --- wrong answers outside the named mistakes, and other right answers -----------------------

def last_of_ties_top_k(p, k):
    """Another right answer: the last of tied characters kept (ascending sort), a list."""
    keep = np.argsort(p, kind="stable")[-k:]
    kept = np.zeros_like(p)
    kept[keep] = p[keep]
    return list(kept / kept.sum())


def threshold_top_k(p, k):
    """Wrong on ties: a threshold at the k-th largest value keeps every tied character."""
    kept = np.where(p >= np.sort(p)[-k], p, 0.0)
    return kept / kept.sum()


def strict_threshold_top_k(p, k):
    kept = np.where(p > np.sort(p)[-k - 1], p, 0.0) if k < len(p) else p
    return kept / kept.sum()


def in_place_top_k(p, k):
    p[np.argsort(p)[:-k]] = 0.0  # zeroes the caller's distribution
    p /= p.sum()
    return p


def test_another_right_top_k_passes():
    assert check.top_k(last_of_ties_top_k).passed is True


@pytest.mark.parametrize(("wrong", "named"), [
    (in_place_top_k, "changed its input `p` in place"),
    (threshold_top_k, "ties"),
    (lambda p, k: np.sort(sampling.keep_top_k(p, k)), "differs at character"),  # order lost
    (lambda p, k: "p", "should be an array of numbers, got a str"),
])
def test_wrong_top_k_outside_the_list_are_rejected(wrong, named):
    with pytest.raises(core.ExerciseError, match=named):
        check.top_k(wrong)


def cumsum_top_p(p, top_p):
    """Another right answer: float32, searchsorted on the cumulative mass."""
    p32 = np.asarray(p, np.float32)
    order = np.argsort(-p32, kind="stable")
    n = int(np.searchsorted(np.cumsum(p32[order]), np.float32(top_p) - 1e-7)) + 1
    q = np.zeros_like(p32)
    q[order[:n]] = p32[order[:n]]
    return q / q.sum()


def test_another_right_top_p_passes():
    assert check.top_p(cumsum_top_p).passed is True


@pytest.mark.parametrize(("wrong", "named"), [
    (lambda p, t: sampling.keep_top_p(p, t)[::-1], "differs at character"),
    (lambda p, t: sampling.keep_top_p(p, t)[:-1], "has shape"),
    (lambda p, t: None if False else [[0.5, 0.5]], "has shape"),
])
def test_wrong_top_p_outside_the_list_are_rejected(wrong, named):
    with pytest.raises(core.ExerciseError, match=named):
        check.top_p(wrong)


def test_entropy_limits_accept_numpy_scalars_and_reject_strings():
    assert check.entropy_limits(lambda: {"cold": np.float32(0.0),
                                         "hot": np.float64(np.log2(39))}).passed is True
    with pytest.raises(core.ExerciseError, match="should be a number, got a str"):
        check.entropy_limits(lambda: {"cold": "0", "hot": 5.29})
    with pytest.raises(core.ExerciseError, match="return a dict"):
        check.entropy_limits(lambda: [0.0, 5.29])


def last_of_ties_top_p(p, top_p):
    """Another right answer: the last of tied characters first (a reversed ascending sort)."""
    order = np.argsort(p, kind="stable")[::-1]
    mass_before = np.cumsum(p[order]) - p[order]
    keep = order[mass_before < top_p]
    q = np.zeros_like(p)
    q[keep] = p[keep]
    return q / q.sum()


def test_another_tie_break_for_top_p_passes():
    assert check.top_p(last_of_ties_top_p).passed is True


# --- the highest temperature that loops: outside the list, and other right answers -----------

def test_repetition_accepts_a_float32_and_a_slightly_colder_answer(gru, highest):
    model, vocab = gru
    assert check.repetition(lambda: np.float32(highest), model, vocab).passed is True
    # A learner stepping by 0.1 may stop 0.05 below the highest of a 0.05 grid.
    assert check.repetition(lambda: round(highest - 0.05, 2), model, vocab).passed is True


def test_repetition_rejects_a_much_colder_answer(gru, highest):
    # It loops (more at a colder T), but it is not the highest temperature that does.
    model, vocab = gru
    cold = round(highest / 4, 3)
    assert _share(model, vocab, cold) > check.REPEAT_SHARE
    with pytest.raises(core.ExerciseError, match=f"(?s)at T = {cold:g} the samples repeat .* but "
                       "at T = .* they still repeat .*not the highest temperature"):
        check.repetition(lambda: cold, model, vocab)


def test_repetition_rejects_a_warmer_answer_that_no_longer_loops(gru, highest):
    model, vocab = gru
    warm = round(highest + 0.2, 2)
    with pytest.raises(core.ExerciseError, match=f"at T = {warm:g} the samples repeat"):
        check.repetition(lambda: warm, model, vocab)


@pytest.mark.parametrize(("answer", "named"), [
    ("0.25", "the temperature should be a number, got a str '0.25'"),
    (np.array([0.2, 0.3]), "should be one number, got an array of shape (2,)"),
    ([0.25], "should be one number, got a list"),
])
def test_repetition_malformed_answers_get_one_line(gru, answer, named):
    model, vocab = gru
    with pytest.raises(core.ExerciseError) as error:
        check.repetition(lambda: answer, model, vocab)
    assert named in str(error.value) and "\n" not in str(error.value)


# --- entropy at the two ends: wrong answers of other families, other right answers -----------

@pytest.mark.parametrize(("guess", "named"), [
    ({"cold": 0.0, "hot": math.log2(40)}, "your entropy at a large T differs at the value: "
     "5.3219281 instead of 5.2854022"),  # uniform over 40: one character too many
    ({"cold": 0.0, "hot": math.log2(38)}, "5.2479275 instead of"),  # one too few
    ({"cold": 0.0, "hot": math.log10(39)}, "1.5910646 instead of"),  # base 10
    ({"cold": 1.0, "hot": math.log2(39)}, "your entropy at T -> 0 differs at the value: 1 "
     "instead of 0"),  # one certain character counted as one bit
    ({"cold": 0.0, "hot": 39.0}, "39 instead of"),  # the count, not an entropy: out of range
    ({"cold": -0.5, "hot": math.log2(39)}, "-0.5 instead of 0"),  # a negative entropy
    ({"cold": 0.0, "hot": 1 / 39}, "0.025641026 instead of"),  # the probability, not bits
    ({"Cold": 0.0, "Hot": math.log2(39)}, "return a dict with the keys 'cold' and 'hot'"),
    ({"cold": 0.0, "hot": np.array([0.0, math.log2(39)])},
     "your entropy at a large T should be one number, got an array of shape (2,)"),
    ({"cold": None, "hot": math.log2(39)}, "your entropy at T -> 0 should be a number"),
])
def test_entropy_limits_wrong_answers_outside_the_list_are_rejected(guess, named):
    with pytest.raises(core.ExerciseError) as error:
        check.entropy_limits(lambda: guess)
    message = str(error.value)
    assert message.startswith(check.EX_ENTROPY) and named in message, message
    assert "Likely mistake" not in message and "unexpected form" not in message


def test_entropy_limits_other_right_answers_pass():
    def measured_float32():  # the two limits computed from the distributions themselves
        uniform = np.full(39, 1 / 39, dtype=np.float32)
        one_hot = np.eye(39, dtype=np.float32)[0]
        bits = lambda p: -np.sum(np.where(p > 0, p * np.log2(np.maximum(p, 1e-30)), 0))  # noqa: E731
        return {"cold": bits(one_hot), "hot": bits(uniform)}

    assert check.entropy_limits(measured_float32).passed is True
    assert check.entropy_limits(lambda: {"cold": -0.0, "hot": np.asarray(math.log(39, 2)),
                                         "note": "T -> 0, T -> inf"}).passed is True
    assert check.entropy_limits(lambda: {"cold": 0, "hot": round(math.log2(39), 2)}).passed
