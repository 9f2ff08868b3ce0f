"""The character RNN from nothing: the solutions pass, the stubs are not attempted, every named
mistake is named, wrong answers outside the list are rejected, other right answers pass."""

import numpy as np
import pytest

from rnnbook.cells import gradients
from rnnbook.config import Profile
from rnnbook.exercises import char_rnn_from_scratch as check
from rnnbook.exercises import core
from tests.conftest import stub


def one_hot_loss(params, chunk, h0):
    """Another right answer: one-hot inputs as a matrix product, float32 softmax with an
    epsilon in the log, a loop over the batch for the output layer."""
    Wxh, Whh, bh, Why, by = (params[k] for k in check.KEYS)
    V, H = Wxh.shape
    x, y = chunk[:, :-1], chunk[:, 1:]
    B, T = x.shape
    X = np.eye(V)[x]  # (B, T, V)
    hs, h = [], h0
    for t in range(T):
        h = np.tanh(X[:, t] @ Wxh + h @ Whh + bh)
        hs.append(h)
    loss, dWhy, dby = 0.0, np.zeros_like(Why), np.zeros_like(by)
    dhs = []
    for t in range(T):
        z = (hs[t] @ Why + by).astype(np.float64)
        p = np.exp(z - z.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        loss -= np.log(p[np.arange(B), y[:, t]] + 1e-12).sum()
        d = p.copy()
        d[np.arange(B), y[:, t]] -= 1
        d /= B * T
        dWhy += hs[t].T @ d
        dby += d.sum(axis=0)
        dhs.append(d @ Why.T)
    dWxh, dWhh, dbh = np.zeros_like(Wxh), np.zeros_like(Whh), np.zeros_like(bh)
    dnext = np.zeros_like(h0)
    for t in reversed(range(T)):
        da = (dhs[t] + dnext) * (1 - hs[t] ** 2)
        dWxh += X[:, t].T @ da
        dWhh += (hs[t - 1] if t else h0).T @ da
        dbh += da.sum(axis=0)
        dnext = da @ Whh.T
    grads = {"Wxh": dWxh, "Whh": dWhh, "bh": dbh, "Why": dWhy, "by": dby}
    return np.float32(loss / (B * T)), grads, h


def own_clip_step(params, chunk, h0, learning_rate, max_norm):
    """Another right answer: its own clipping with an epsilon, a NumPy scalar loss."""
    loss, grads, h = one_hot_loss(params, chunk, h0)
    norm = np.sqrt(sum((g ** 2).sum() for g in grads.values()))
    scale = min(1.0, max_norm / (norm + 1e-12))
    return {k: params[k] - learning_rate * scale * grads[k] for k in params}, loss, h


def inverse_cdf_sample(params, h, first_id, length, rng):
    """Another right answer: draws by the inverse of the cumulative distribution, a list."""
    out, x = [], first_id
    for _ in range(length):
        h = np.tanh(params["Wxh"][x] + h @ params["Whh"] + params["bh"])
        p = check.softmax(h @ params["Why"] + params["by"])
        x = int(min(np.searchsorted(np.cumsum(p), rng.random()), len(p) - 1))
        out.append(x)
    return out


def test_the_stubs_are_not_attempted(capsys):
    assert check.rnn_loss(stub).passed is False
    assert check.train_step(stub).passed is False
    assert check.sampler(stub).passed is False
    assert check.training(stub, stub, profile=Profile("smoke")).passed is False
    assert capsys.readouterr().out.count("not attempted yet") == 4


def test_the_references_and_alternatives_pass(capsys):
    assert check.rnn_loss(check.reference_loss).passed is True
    assert check.rnn_loss(one_hot_loss).passed is True
    assert check.train_step(check.reference_train_step).passed is True
    assert check.train_step(own_clip_step).passed is True
    assert check.sampler(check.reference_sample).passed is True
    assert check.sampler(inverse_cdf_sample).passed is True
    assert capsys.readouterr().out.count(": correct.") == 6


def test_the_reference_trains_below_the_unigram_under_smoke(capsys):
    outcome = check.training(check.reference_train_step, check.reference_sample,
                             profile=Profile("smoke"))
    assert outcome.passed is True
    run = outcome.run
    assert run.held_out < run.unigram - check.sizes(Profile("smoke"))["margin"]
    assert len(run.samples) >= 2 and run.losses[-1] < run.losses[0]
    assert "held-out loss" in capsys.readouterr().out


def test_an_alternative_step_trains_too():
    assert check.training(own_clip_step, inverse_cdf_sample, profile=Profile("smoke")).passed


@pytest.mark.parametrize(("hint", "switches"), list(check.LOSS_MISTAKES.items()))
def test_every_named_loss_mistake_is_named(hint, switches):
    with pytest.raises(core.ExerciseError) as error:
        check.rnn_loss(lambda *a: check.mistaken_loss(*a, **switches))
    assert "Likely mistake: " + hint in str(error.value)


def test_gradients_accumulated_across_calls_are_named():
    kept = {}

    def accumulating(params, chunk, h0):
        loss, grads, h = check.reference_loss(params, chunk, h0)
        for k, g in grads.items():
            kept[k] = kept.get(k, 0) + g if kept.get(k, np.zeros(0)).shape == g.shape else g
        return loss, {k: kept[k].copy() for k in grads}, h

    with pytest.raises(core.ExerciseError, match="gradients accumulated across calls"):
        check.rnn_loss(accumulating)


@pytest.mark.parametrize(("hint", "switches"), list(check.STEP_MISTAKES.items()))
def test_every_named_step_mistake_is_named(hint, switches):
    with pytest.raises(core.ExerciseError) as error:
        check.train_step(lambda *a: check.mistaken_train_step(*a, **switches))
    assert "Likely mistake: " + hint in str(error.value)


@pytest.mark.parametrize(("switches", "named"), [
    ({"carry": False}, "the state is not carried"),
    ({"greedy": True}, "do not take the most likely character"),
])
def test_the_sampler_mistakes_are_named(switches, named):
    with pytest.raises(core.ExerciseError, match=named):
        check.sampler(lambda *a: check.mistaken_sample(*a, **switches))


def _in_place_step(params, chunk, h0, learning_rate, max_norm):
    loss, grads, h = check.reference_loss(params, chunk, h0)
    grads = gradients.clip_by_norm(grads, max_norm)
    for k in params:
        params[k] -= learning_rate * grads[k]  # updates the caller's weights
    return params, loss, h


def _loss_with_wrong_h_shape(params, chunk, h0):
    loss, grads, h = check.reference_loss(params, chunk, h0)
    return loss, grads, h[0]


def _global_rng_sample(params, h, first_id, length, rng):
    return check.reference_sample(params, h, first_id, length, np.random.default_rng())


def _sample_with_first(params, h, first_id, length, rng):
    return [first_id, *check.reference_sample(params, h, first_id, length - 1, rng)]


@pytest.mark.parametrize(("checker", "answer", "named"), [
    (check.train_step, _in_place_step, "changed its input `params['Wxh']` in place"),
    (check.rnn_loss, _loss_with_wrong_h_shape, "h_last has shape"),
    (check.rnn_loss, lambda p, c, h: ("2.3", {}, h), "the loss should be a number, got a str"),
    (check.rnn_loss, lambda p, c, h: check.reference_loss(p, c, h)[:2],
     "should return (loss, grads, h_last), got 2 values"),
    (check.rnn_loss, lambda p, c, h: (1.0, [0], h), "grads should be a dict"),
    (check.train_step, lambda *a: (a[0], 1.0), "should return (new_params, loss, h_last)"),
    (check.sampler, _global_rng_sample, "draw with the rng you are given"),
    (check.sampler, lambda *a: "abc", "the sampled ids should be an array of numbers, got a str"),
    (check.sampler, lambda p, h, f, n, r: np.zeros(n + 1, int), "returned shape (4,)"),
    (check.sampler, _sample_with_first, "do not follow the model's probabilities"),
])
def test_wrong_answers_outside_the_list_are_rejected(checker, answer, named):
    with pytest.raises(core.ExerciseError) as error:
        checker(answer)
    assert named in str(error.value)


def test_a_diverging_training_is_refused_with_a_hint():
    def no_clip(*a):
        return check.mistaken_train_step(*a, clip=None, sign=+1)

    with pytest.raises(core.ExerciseError, match="the loss became"):
        check.training(no_clip, check.reference_sample, profile=Profile("smoke"))


def test_the_streams_carry_the_text_in_order():
    ids = np.arange(101)
    chunks = list(check.stream_chunks(ids, batch=2, window=10))
    assert chunks[0][1] and not chunks[1][1]
    assert np.array_equal(chunks[0][0][0], np.arange(11))
    assert chunks[1][0][0, 0] == chunks[0][0][0, -1]  # consecutive windows overlap by one
    assert chunks[0][0][1, 0] == 50


def test_the_reference_is_importable_from_the_checkers_module():
    # The chapter reads the reference as check.init_params, check.sizes, ...: one object each.
    from rnnbook.exercises import char_rnn_reference as reference

    for name in ("KEYS", "init_params", "softmax", "reference_loss", "mistaken_loss",
                 "reference_train_step", "mistaken_train_step", "reference_sample",
                 "mistaken_sample", "sizes", "stream_chunks", "held_out_nats"):
        assert getattr(check, name) is getattr(reference, name)
    assert all(hasattr(check, name) for name in check.__all__)


# --- train_step: more wrong answers outside the list --------------------------------------

def _old_weights_step(params, chunk, h0, learning_rate, max_norm):  # copies, never moved
    loss, _, h = check.reference_loss(params, chunk, h0)
    return {k: v.copy() for k, v in params.items()}, loss, h


def _scaled_to_max_norm_step(params, chunk, h0, learning_rate, max_norm):
    # every gradient rescaled to a norm of exactly max_norm, also a small one ("at most")
    loss, grads, h = check.reference_loss(params, chunk, h0)
    norm = np.sqrt(sum((g ** 2).sum() for g in grads.values()))
    return {k: params[k] - learning_rate * grads[k] * max_norm / norm for k in params}, loss, h


def _learning_rate_ignored_step(params, chunk, h0, learning_rate, max_norm):
    return check.reference_train_step(params, chunk, h0, 1.0, max_norm)


def _loss_after_the_step(params, chunk, h0, learning_rate, max_norm):  # the new weights' loss
    new, _, h = check.reference_train_step(params, chunk, h0, learning_rate, max_norm)
    return new, check.reference_loss(new, chunk, h0)[0], h


def _bias_not_copied_step(params, chunk, h0, learning_rate, max_norm):
    new, loss, h = check.reference_train_step(params, chunk, h0, learning_rate, max_norm)
    return {**new, "by": params["by"]}, loss, h  # the output bias: the caller's own array


def _per_position_losses_step(params, chunk, h0, learning_rate, max_norm):
    new, loss, h = check.reference_train_step(params, chunk, h0, learning_rate, max_norm)
    return new, np.full(chunk[:, 1:].shape, loss), h


@pytest.mark.parametrize(("answer", "named"), [
    (_old_weights_step, "new_params['Wxh'] differs at axis 0 0"),
    (_scaled_to_max_norm_step, "(a small gradient (max_norm = 100, nothing clipped))"),
    (_learning_rate_ignored_step, "(a small gradient (max_norm = 100, nothing clipped))"),
    (_loss_after_the_step, "the loss differs at the value"),
    (_bias_not_copied_step, "new_params['by'] is (a view of) your input `params['by']`"),
    (_per_position_losses_step, "the loss should be one number, got an array of shape (3, 5)"),
    (lambda *a: (list(check.reference_train_step(*a)[0].values()),) + check.reference_train_step(
        *a)[1:], "new_params should be a dict with the keys Wxh, Whh, bh, Why, by, got list"),
])
def test_more_wrong_steps_outside_the_list_are_rejected(answer, named):
    with pytest.raises(core.ExerciseError) as error:
        check.train_step(answer)
    message = str(error.value)
    assert message.startswith(check.STEP) and named in message, message
    assert not any(hint in message for hint in check.STEP_MISTAKES)


def test_a_float32_step_returning_a_list_passes():
    def float32_list(params, chunk, h0, learning_rate, max_norm):
        new, loss, h = own_clip_step(params, chunk, h0, learning_rate, max_norm)
        return [{k: v.astype(np.float32) for k, v in new.items()}, np.float32(loss),
                h.astype(np.float32)]

    assert check.train_step(float32_list).passed is True
    assert check.train_step(lambda *a: list(own_clip_step(*a))).passed is True


# --- training: wrong steps and samplers outside the named list ------------------------------

def _never_trains(params, chunk, h0, learning_rate, max_norm):
    loss, _, h = check.reference_loss(params, chunk, h0)
    return {k: v.copy() for k, v in params.items()}, loss, h


def _first_stream_state(params, chunk, h0, learning_rate, max_norm):
    new, loss, h = check.reference_train_step(params, chunk, h0, learning_rate, max_norm)
    return new, loss, h[0]


@pytest.mark.parametrize(("step", "sample", "named"), [
    (_never_trains, check.reference_sample, "after 150 steps the held-out loss is"),
    (lambda *a: (a[0], "2.3", a[2]), check.reference_sample,
     "the loss at step 1 should be a number, got a str '2.3'"),
    (lambda *a: (a[0], "nan?", a[2]), check.reference_sample,
     "the loss at step 1 should be a number, got a str"),
    (lambda *a: (list(a[0].values()), 1.0, a[2]), check.reference_sample,
     "new_params at step 1 should be a dict"),
    (lambda *a: ({**a[0], "Why": a[0]["Why"].T}, 1.0, a[2]), check.reference_sample,
     "new_params['Why'] at step 1 has shape"),
    (_first_stream_state, check.reference_sample, "h_last at step 1 has shape (32,), expected "
     "(16, 32)"),
    (check.reference_train_step, lambda *a: "abc",
     "the ids sampled at step 0 should be an array of numbers, got a str"),
    (check.reference_train_step, lambda p, h, f, n, r: np.full(n, len(p["by"])),
     "returned shape (120,), values"),
    (check.reference_train_step, lambda p, h, f, n, r: np.zeros(n - 1, int),
     "returned shape (119,)"),
])
def test_wrong_training_answers_outside_the_list_are_refused_in_one_line(step, sample, named):
    with pytest.raises(core.ExerciseError) as error:
        check.training(step, sample, profile=Profile("smoke"))
    message = str(error.value)
    assert message.startswith(check.TRAIN) and named in message, message
    assert "the loss became" not in message and "unexpected form" not in message


def test_a_float32_training_returning_lists_passes():
    def float32_step(params, chunk, h0, learning_rate, max_norm):
        params = {k: v.astype(np.float32) for k, v in params.items()}
        new, loss, h = own_clip_step(params, chunk, h0.astype(np.float32), learning_rate,
                                     max_norm)
        return [{k: v.astype(np.float32) for k, v in new.items()}, np.float32(loss), h]

    def float_ids(*a):
        return np.asarray(inverse_cdf_sample(*a), dtype=np.float64)

    assert check.training(float32_step, float_ids, profile=Profile("smoke")).passed is True
