"""Tests of rnnbook.generation.sampling: the samplers on probability vectors, then generation with
a model."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from keras import ops

from rnnbook import models
from rnnbook.generation import sampling
from rnnbook.generation.sampling import (
    distinct_ngrams,
    distribution,
    entropy,
    known_word_share,
    sample,
)

P = np.array([0.05, 0.1, 0.4, 0.25, 0.2])


def chi_square_critical(df: int, z: float = 3.090) -> float:
    """Upper critical value of chi-square (z = 3.090: the 0.999 quantile), Wilson-Hilferty."""
    a = 2.0 / (9.0 * df)
    return df * (1.0 - a + z * math.sqrt(a)) ** 3


def chi_square(counts: np.ndarray, expected_p: np.ndarray) -> tuple[float, int]:
    mask = expected_p > 0
    expected = counts.sum() * expected_p[mask]
    return float(((counts[mask] - expected) ** 2 / expected).sum()), int(mask.sum() - 1)


def draw(n: int, seed: int = 0, **kwargs) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.bincount([sample(P, rng=rng, **kwargs) for _ in range(n)], minlength=len(P))


def test_chi_square_critical_matches_tables():
    # Tabulated 0.999 quantiles: df=1: 10.828, df=4: 18.467, df=9: 27.877 (the approximation
    # errs slightly high for few degrees of freedom, which only makes the tests below stricter
    # by a couple of percent in the other direction).
    assert chi_square_critical(4) == pytest.approx(18.467, rel=0.02)
    assert chi_square_critical(9) == pytest.approx(27.877, rel=0.01)


@pytest.mark.parametrize("temperature", [0.5, 1.0, 2.0])
def test_temperature_frequencies_match_rescaled_distribution(temperature):
    expected = P ** (1 / temperature) / (P ** (1 / temperature)).sum()
    counts = draw(20_000, temperature=temperature)
    stat, df = chi_square(counts, expected)
    assert stat < chi_square_critical(df)
    # and the test has power: the frequencies are far from the untempered distribution
    if temperature != 1.0:
        assert chi_square(counts, P)[0] > 10 * chi_square_critical(df)


def test_apply_temperature_formula():
    got = distribution(P, temperature=0.7)
    want = np.exp(np.log(P) / 0.7) / np.exp(np.log(P) / 0.7).sum()
    np.testing.assert_allclose(got, want, rtol=1e-12)
    np.testing.assert_allclose(distribution(P, temperature=1.0), P, rtol=1e-12)


def test_temperature_zero_is_argmax_and_first_on_tie():
    rng = np.random.default_rng(0)
    assert all(sample(P, temperature=0, rng=rng) == 2 for _ in range(20))
    assert sample([0.4, 0.2, 0.4], temperature=0) == 0
    assert sample(P, temperature=1e-6, rng=rng) == 2  # the limit agrees


def test_tiny_temperature_does_not_overflow():
    q = distribution(P, temperature=1e-4)
    assert np.all(np.isfinite(q)) and q[2] == pytest.approx(1.0)


def test_top_k_never_emits_outside_the_k_most_likely():
    counts = draw(5_000, top_k=2)
    assert set(np.flatnonzero(counts)) == {2, 3}
    stat, df = chi_square(counts, distribution(P, top_k=2))
    assert stat < chi_square_critical(df)
    assert sample(P, top_k=1) == 2
    np.testing.assert_allclose(distribution(P, top_k=99), P)  # k beyond the vocabulary: all


def test_top_p_keeps_smallest_set_reaching_p():
    # Sorted: 0.4, 0.25, 0.2, 0.1, 0.05 -> cumulative 0.4, 0.65, 0.85, 0.95, 1.0
    assert set(np.flatnonzero(distribution(P, top_p=0.4))) == {2}
    assert set(np.flatnonzero(distribution(P, top_p=0.41))) == {2, 3}
    assert set(np.flatnonzero(distribution(P, top_p=0.8))) == {2, 3, 4}
    assert set(np.flatnonzero(distribution(P, top_p=1.0))) == {0, 1, 2, 3, 4}
    counts = draw(5_000, top_p=0.8)
    assert set(np.flatnonzero(counts)) == {2, 3, 4}
    stat, df = chi_square(counts, distribution(P, top_p=0.8))
    assert stat < chi_square_critical(df)


def test_top_p_and_top_k_on_a_random_vocabulary_never_leave_their_sets():
    rng = np.random.default_rng(3)
    for _ in range(50):
        p = rng.dirichlet(np.full(40, 0.3))
        k, top_p = int(rng.integers(1, 10)), float(rng.uniform(0.05, 1.0))
        order = np.argsort(-p, kind="stable")
        k_set = set(order[:k].tolist())
        mass = np.cumsum(p[order])
        p_set = set(order[: int(np.searchsorted(mass, top_p)) + 1].tolist())
        for _ in range(20):
            assert sample(p, top_k=k, rng=rng) in k_set
            assert sample(p, top_p=top_p, rng=rng) in p_set


def test_zero_probability_characters_are_never_drawn():
    p = np.array([0.0, 0.5, 0.0, 0.5, 0.0])
    rng = np.random.default_rng(1)
    assert {sample(p, temperature=3.0, rng=rng) for _ in range(500)} == {1, 3}


def test_same_seed_same_draws():
    a = [sample(P, rng=np.random.default_rng(7)) for _ in range(5)]
    b = [sample(P, rng=np.random.default_rng(7)) for _ in range(5)]
    assert a == b
    assert isinstance(a[0], int)


def test_accepts_float32_softmax_and_batch_of_one():
    logits = np.random.default_rng(0).normal(size=65).astype(np.float32)
    probs = np.exp(logits) / np.exp(logits).sum()
    assert 0 <= sample(probs.astype(np.float32), rng=np.random.default_rng(0)) < 65
    assert sample(probs[None, :], temperature=0) == int(np.argmax(probs))


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"temperature": -0.1}, "temperature"),
        ({"temperature": float("nan")}, "temperature"),
        ({"temperature": float("inf")}, "temperature"),
        ({"temperature": "hot"}, "temperature"),
        ({"top_k": 0}, "top_k"),
        ({"top_k": -3}, "top_k"),
        ({"top_k": 2.5}, "top_k"),
        ({"top_k": True}, "top_k"),
        ({"top_p": 0.0}, "top_p"),
        ({"top_p": 1.5}, "top_p"),
        ({"top_p": -0.2}, "top_p"),
        ({"top_p": float("nan")}, "top_p"),
        ({"rng": 42}, "rng"),
    ],
)
def test_invalid_arguments_name_themselves(kwargs, name):
    with pytest.raises(ValueError, match=name):
        sample(P, **kwargs)


@pytest.mark.parametrize(
    "probs",
    [
        [0.5, -0.1, 0.6],  # negative
        [0.2, 0.2, 0.2],  # does not sum to 1
        [0.5, float("nan"), 0.5],  # NaN
        [2.0, 1.0, -2.0],  # logits, not probabilities
        [],  # empty
        [[0.5, 0.5], [0.5, 0.5]],  # a batch, not a vector
        "abc",
    ],
)
def test_invalid_probs_raise(probs):
    with pytest.raises(ValueError, match="probs"):
        sample(probs)


def test_double_softmax_is_caught_by_the_sum_check_only_when_it_is_not_a_distribution():
    # The tutorial's bug (softmax of probabilities) still sums to 1: sample takes it and draws
    # from a flattened distribution; its entropy shows it, close to the uniform's.
    p = np.array([0.9, 0.05, 0.03, 0.02])
    twice = np.exp(p) / np.exp(p).sum()
    rng = np.random.default_rng(0)
    top = {name: np.mean([sample(q, rng=rng) == 0 for _ in range(2000)])
           for name, q in (("once", p), ("twice", twice))}
    assert top["once"] > 0.85 and top["twice"] < 0.5  # the favourite: 0.9 once, 0.44 twice
    assert entropy(twice) > 0.9 * math.log2(4) > entropy(p)
    # What the sum check does catch: scores that are not a distribution (here summing to 3).
    with pytest.raises(ValueError, match=r"Argument `probs` must sum to 1 \(within 0.001\)\. "
                       r"Received: sum\(probs\)=3\. Pass the softmax output itself"):
        sample(3 * p)


def test_entropy_and_distinct_ngrams():
    assert entropy([0.25] * 4) == pytest.approx(2.0)
    assert entropy([1.0, 0.0]) == 0.0
    assert distinct_ngrams("abcabc", 3) == pytest.approx(3 / 4)
    assert distinct_ngrams("abcd", 2) == 1.0
    assert distinct_ngrams("ab", 3) == 0.0
    with pytest.raises(ValueError, match="Argument `n` must be a positive integer. Received: n=0"):
        distinct_ngrams("abc", 0)


# --------------------------------------------------------------------------------------------
# Generation with a (small, untrained) model built by rnnbook.models.


@pytest.fixture(scope="module")
def model(vocab):
    import keras

    keras.utils.set_random_seed(0)
    m = models.build_char_model(len(vocab), kind="lstm", units=16)
    # Sharpen the untrained head so that greedy and beam search differ from uniform guessing.
    weights = m.get_weights()
    rng = np.random.default_rng(0)
    m.set_weights([w + rng.normal(scale=0.8, size=w.shape).astype(w.dtype) for w in weights])
    return m


def model_log_prob(model, vocab, seed_ids: np.ndarray, text: str) -> float:
    """log p(text | seed) recomputed with the Keras model on the whole sequence (no stepper)."""
    cont = vocab.encode(text)
    ids = np.concatenate([seed_ids, cont])[None, :]
    probs = ops.convert_to_numpy(model(ids[:, :-1], training=False)).astype(np.float64)[0]
    positions = np.arange(len(seed_ids) - 1, ids.shape[1] - 1)
    return float(np.log(probs[positions, cont]).sum())


def test_generate_length_and_vocabulary(model, vocab):
    out = sampling.generate(model, vocab, "shall i", 50, rng=np.random.default_rng(0))
    assert len(out) == 50 and set(out) <= set(vocab.chars)
    assert sampling.generate(model, vocab, "shall i", 0) == ""


def test_generate_is_reproducible_with_rng(model, vocab):
    a = sampling.generate(model, vocab, "thou", 40, rng=np.random.default_rng(5))
    b = sampling.generate(model, vocab, "thou", 40, rng=np.random.default_rng(5))
    assert a == b


def test_generate_matches_the_full_model(model, vocab):
    """Each sampled character comes from the model's own distribution given all before it."""
    seed = "thou art"
    text = sampling.generate(model, vocab, seed, 30, temperature=0)
    ids = np.concatenate([vocab.encode(seed), vocab.encode(text)])[None, :]
    probs = ops.convert_to_numpy(model(ids[:, :-1], training=False))[0]
    greedy = probs[len(seed) - 1:].argmax(axis=-1)
    assert vocab.decode(greedy) == text


def test_unknown_characters_and_capitals_are_cleaned_with_a_warning(model, vocab):
    typed = "Thou ART\u2019s \u2603 42 \u2014 more"
    with pytest.warns(sampling.SeedTextWarning, match="dropped") as record:
        out = sampling.generate(model, vocab, typed, 10, temperature=0)
    assert len(out) == 10
    assert "lower-cased" in str(record[0].message)
    cleaned = vocab.clean(typed).text
    assert cleaned == "thou art's    more"
    with warnings.catch_warnings():
        warnings.simplefilter("error", sampling.SeedTextWarning)  # clean text: none at all
        again = sampling.generate(model, vocab, cleaned, 10, temperature=0)
    assert again == out  # what was left after cleaning is what the model saw


def test_empty_seed_starts_from_a_newline(model, vocab):
    out = sampling.generate(model, vocab, "", 20, temperature=0)
    assert out == sampling.generate(model, vocab, "\n", 20, temperature=0)
    with pytest.warns(sampling.SeedTextWarning) as record:
        assert sampling.generate(model, vocab, "☃☃", 20, temperature=0) == out
    assert any("nothing left" in str(w.message) for w in record)


@pytest.mark.parametrize(
    "kwargs, name",
    [({"length": -1}, "length"), ({"length": 2.5}, "length"), ({"temperature": -1}, "temperature"),
     ({"top_k": 0}, "top_k"), ({"top_p": 2}, "top_p"), ({"rng": 1}, "rng"),
     ({"seed_text": None}, "seed_text")],
)
def test_generate_invalid_arguments(model, vocab, kwargs, name):
    args = {"seed_text": "thou", "length": 5, **kwargs}
    with pytest.raises(ValueError, match=name):
        sampling.generate(model, vocab, **args)


def test_temperature_zero_and_beam_width_one_equal_greedy(model, vocab):
    greedy = sampling.generate(model, vocab, "shall", 40, temperature=0)
    text, log_prob = sampling.beam_search(model, vocab, "shall", 40, beam_width=1)
    assert text == greedy
    assert log_prob == pytest.approx(model_log_prob(model, vocab, vocab.encode("shall"), text),
                                     abs=1e-3)


@pytest.mark.parametrize("width", [2, 5])
def test_beam_log_prob_is_the_models_own(model, vocab, width):
    text, log_prob = sampling.beam_search(model, vocab, "summer", 25, beam_width=width)
    assert len(text) == 25
    assert log_prob == pytest.approx(model_log_prob(model, vocab, vocab.encode("summer"), text),
                                     abs=1e-3)
    greedy_lp = model_log_prob(model, vocab, vocab.encode("summer"),
                               sampling.generate(model, vocab, "summer", 25, temperature=0))
    # A wider beam finds a continuation at least as likely. Both scored the same way (by the
    # Keras model), within what float32 sums of 25 log-probabilities can move (~1e-5).
    beam_lp = model_log_prob(model, vocab, vocab.encode("summer"), text)
    assert beam_lp >= greedy_lp - 1e-4


def test_beam_search_finds_the_best_short_continuation(model, vocab):
    """With a beam as wide as the whole tree, beam search is exact: check by enumeration."""
    seed_ids = vocab.encode("art")
    V = len(vocab)
    pairs = np.array([(a, b) for a in range(V) for b in range(V)], dtype=np.int32)
    ids = np.concatenate([np.tile(seed_ids, (len(pairs), 1)), pairs], axis=1)
    probs = ops.convert_to_numpy(model(ids[:, :-1], training=False)).astype(np.float64)
    n = len(seed_ids)
    log_probs = np.log(probs[np.arange(len(pairs)), n - 1, pairs[:, 0]]) + np.log(
        probs[np.arange(len(pairs)), n, pairs[:, 1]])
    text, log_prob = sampling.beam_search(model, vocab, "art", 2, beam_width=V * V)
    assert text == vocab.decode(pairs[np.argmax(log_probs)])
    assert log_prob == pytest.approx(log_probs.max(), abs=1e-4)
    # a narrow beam can only do as well or worse
    assert sampling.beam_search(model, vocab, "art", 2, beam_width=1)[1] <= log_prob + 1e-9


def test_beam_trace_follows_back_to_the_best_text(model, vocab):
    trace = []
    text, log_prob = sampling.beam_search(model, vocab, "summer", 6, beam_width=3, trace=trace)
    assert len(trace) == 6 and all(len(chars) == 3 for _, chars, _ in trace)
    assert trace[-1][2][0] == pytest.approx(log_prob)  # beam 0 is the best, its score the text's
    beam, chars = 0, []
    for parents, step_chars, scores in reversed(trace):
        assert np.all(np.diff(scores) <= 1e-12)  # each step's beams, best first
        chars.append(int(step_chars[beam]))
        beam = int(parents[beam])
    assert vocab.decode(chars[::-1]) == text
    assert sampling.beam_search(model, vocab, "summer", 6, beam_width=3) == (text, log_prob)


def test_beam_search_edge_cases(model, vocab):
    assert sampling.beam_search(model, vocab, "thou", 0) == ("", 0.0)
    with pytest.raises(ValueError, match="beam_width"):
        sampling.beam_search(model, vocab, "thou", 5, beam_width=0)
    with pytest.raises(ValueError, match="length"):
        sampling.beam_search(model, vocab, "thou", -2)
    text, _ = sampling.beam_search(model, vocab, "", 5, beam_width=3)
    assert len(text) == 5


def test_a_held_stepper_is_reused_and_a_model_is_never_stale(model, vocab):
    import keras

    first = sampling.stepper_for(model)
    assert sampling.stepper_for(first) is first  # a stepper the caller holds: reused as is
    assert sampling.generate(first, vocab, "thou", 20, temperature=0) == sampling.generate(
        model, vocab, "thou", 20, temperature=0)
    m = keras.models.clone_model(model)
    m.set_weights(model.get_weights())
    old = sampling.stepper_for(m)
    m.set_weights([w * 1.5 for w in m.get_weights()])  # as training would
    assert sampling.stepper_for(m) is not old
    assert not np.allclose(sampling.stepper_for(m).dense_kernel, old.dense_kernel)
    after = sampling.generate(m, vocab, "thou", 30, temperature=0)
    ids = np.concatenate([vocab.encode("thou"), vocab.encode(after)])[None, :]
    greedy = ops.convert_to_numpy(m(ids[:, :-1], training=False))[0, 3:].argmax(-1)
    assert vocab.decode(greedy) == after


def test_next_char_probs_is_the_models_distribution(model, vocab):
    p = sampling.next_char_probs(model, vocab, "thou")
    full = ops.convert_to_numpy(model(vocab.encode("thou")[None, :], training=False))[0, -1]
    np.testing.assert_allclose(p, full, atol=1e-5)
    assert p.sum() == pytest.approx(1.0, abs=1e-5)


def test_log_prob_is_the_models_own(model, vocab):
    text = "thou art more"
    got = sampling.log_prob(model, vocab, "shall i", text)
    assert got == pytest.approx(model_log_prob(model, vocab, vocab.encode("shall i"), text),
                                abs=1e-3)
    assert sampling.log_prob(model, vocab, "shall i", "") == 0.0
    with pytest.raises(ValueError, match="Argument `text` must hold only characters of the "
                       "vocabulary. Received: characters not in it: .*Vocabulary.clean"):
        sampling.log_prob(model, vocab, "shall i", "xyz")


def test_generation_speed_is_positive_and_checks_length(model, vocab):
    rate = sampling.generation_speed(model, vocab, "thou", 20, rng=np.random.default_rng(0))
    assert rate > 0 and np.isfinite(rate)
    with pytest.raises(ValueError, match="length"):
        sampling.generation_speed(model, vocab, "thou", 0)


def test_known_word_share():
    known = "shall i compare thee to a summer's day?"
    assert known_word_share("thee to a zzz", known) == pytest.approx(3 / 4)
    assert known_word_share("summer's day", known) == 1.0  # an apostrophe belongs to its word
    assert known_word_share(".,;", known) == 0.0  # no words at all
