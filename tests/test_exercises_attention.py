"""The checkers of the attention chapter: references and valid alternatives pass, typical
mistakes are named, other wrong answers are rejected, malformed ones get a hint, stubs are
not attempted."""

import numpy as np
import pytest

from rnnbook.exercises import attention as check
from rnnbook.exercises import core
from tests.conftest import stub


def test_stubs_are_not_attempted(capsys):
    assert check.causal_mask(stub).passed is False
    assert check.positions(stub).passed is False
    assert check.positions(check.reference_order_change, prediction=...).passed is False
    assert check.cache_step(stub).passed is False
    assert capsys.readouterr().out.count("not attempted yet") == 4


# ---------------------------------------------------------------- the causal mask


@pytest.mark.parametrize("answer", [
    lambda n: np.tril(np.ones((n, n), bool)),
    lambda n: np.tril(np.ones((n, n), np.float32)),  # 1/0, Keras's attention_mask
    lambda n: np.where(np.tril(np.ones((n, n), bool)), 0.0, -np.inf),
    lambda n: np.where(np.tril(np.ones((n, n), bool)), 0.0, -1e9).astype(np.float32),
    lambda n: np.triu(np.full((n, n), -1e4), k=1),
    lambda n: (np.arange(n)[:, None] >= np.arange(n)[None, :]).tolist(),
])
def test_causal_mask_accepts_every_convention(answer, capsys):
    assert check.causal_mask(answer).passed is True
    assert "correct" in capsys.readouterr().out


@pytest.mark.parametrize(("name", "named"), [
    (next(iter(check.MASK_MISTAKES)), "transposed"),
    (list(check.MASK_MISTAKES)[1], "keep the diagonal"),
    (list(check.MASK_MISTAKES)[2], "PyTorch"),
    (list(check.MASK_MISTAKES)[3], "hides nothing"),
    (list(check.MASK_MISTAKES)[4], "only itself"),
])
def test_causal_mask_names_its_mistakes(name, named):
    with pytest.raises(core.ExerciseError, match=named):
        check.causal_mask(check.MASK_MISTAKES[name])


@pytest.mark.parametrize("wrong", [
    lambda n: np.tril(np.ones((n, n), bool), k=1),  # one position of the future
    lambda n: np.tril(np.ones((n, n), bool)) & np.triu(np.ones((n, n), bool), k=-2),  # 3 back
    lambda n: np.zeros((n, n), bool) | (np.arange(n)[None, :] == 0),  # the first only
    lambda n: np.where(np.tril(np.ones((n, n), bool)), -np.inf, 0.0),  # additive, inverted
])
def test_causal_mask_rejects_other_wrong_answers(wrong):
    with pytest.raises(core.ExerciseError, match="The causal mask: your mask differs"):
        check.causal_mask(wrong)


@pytest.mark.parametrize(("malformed", "hint"), [
    (lambda n: np.tril(np.ones((n + 1, n + 1), bool)), "return a \\(4, 4\\) array"),
    (lambda n: np.where(np.tril(np.ones((n, n), bool)), 0.0, -1.0), "an additive mask holds 0"),
    (lambda n: np.full((n, n), "yes"), "booleans or numbers"),
    (lambda n: np.full((n, n), np.nan), "NaN"),
    (lambda n: [[True] * (t + 1) for t in range(n)], "return a \\(4, 4\\) array"),  # ragged
])
def test_causal_mask_malformed_answers_get_a_one_line_hint(malformed, hint):
    with pytest.raises(core.ExerciseError, match=hint) as error:
        check.causal_mask(malformed)
    assert "\n" not in str(error.value)


# ---------------------------------------------------------------- positions


def test_positions_reference_passes_and_reports_the_prediction(capsys):
    assert check.positions(check.reference_order_change, prediction="unchanged").passed is True
    out = capsys.readouterr().out
    assert "correct" in out and "(unchanged:" in out and "that is what happened" in out
    assert check.positions(check.reference_order_change, prediction="changed").passed is True
    assert "it came out unchanged" in capsys.readouterr().out


def _every_position(model, ids, i, j):
    swapped = ids.copy()
    swapped[[i, j]] = swapped[[j, i]]
    p = model.predict(np.stack([ids, swapped]), verbose=0)
    return float(np.abs(p[0] - p[1]).max())


def _copied(model, ids, i, j):
    other = ids.copy()
    other[i] = ids[j]
    p = model.predict(np.stack([ids, other]), verbose=0)[:, -1]
    return float(np.abs(p[0] - p[1]).max())


def _mean(model, ids, i, j):
    swapped = ids.copy()
    swapped[[i, j]] = swapped[[j, i]]
    p = model.predict(np.stack([ids, swapped]), verbose=0)[:, -1]
    return float(np.abs(p[0] - p[1]).mean())


@pytest.mark.parametrize(("wrong", "named"), [
    (_every_position, "every position"), (_copied, "copied"), (_mean, "mean change")])
def test_positions_names_its_mistakes(wrong, named):
    with pytest.raises(core.ExerciseError, match=named):
        check.positions(wrong)


@pytest.mark.parametrize("wrong", [
    lambda model, ids, i, j: 0.0,
    lambda model, ids, i, j: 1.0,
    lambda model, ids, i, j: check.reference_order_change(model, ids, 0, len(ids) - 1),
])
def test_positions_rejects_other_wrong_answers(wrong):
    with pytest.raises(core.ExerciseError, match="your change differs"):
        check.positions(wrong)


@pytest.mark.parametrize(("malformed", "hint"), [
    (lambda model, ids, i, j: np.zeros(39), "return one number"),
    (lambda model, ids, i, j: "small", "return one number"),
])
def test_positions_malformed_answers_get_a_one_line_hint(malformed, hint):
    with pytest.raises(core.ExerciseError, match=hint) as error:
        check.positions(malformed)
    assert "\n" not in str(error.value)
    with pytest.raises(core.ExerciseError, match="predict \"unchanged\" or \"changed\""):
        check.positions(check.reference_order_change, prediction="maybe")


# ---------------------------------------------------------------- the cache step


def _float32_step(q_t, k_t, v_t, cache):
    out, cache = check.reference_cache_step(*(a.astype(np.float32) for a in (q_t, k_t, v_t)),
                                            cache)
    return out[:, :, 0], cache  # (batch, heads, d): the squeezed form is accepted too


def _preallocated_step(q_t, k_t, v_t, cache):
    """Another cache layout: a buffer of 16 positions and a count."""
    if cache is None:
        cache = (np.zeros((*k_t.shape[:2], 16, k_t.shape[3])),
                 np.zeros((*v_t.shape[:2], 16, v_t.shape[3])), 0)
    keys, values, t = cache
    keys[:, :, t], values[:, :, t] = k_t[:, :, 0], v_t[:, :, 0]
    scores = q_t @ np.swapaxes(keys[:, :, :t + 1], -1, -2) / np.sqrt(q_t.shape[-1])
    w = np.exp(scores - scores.max(-1, keepdims=True))
    return (w / w.sum(-1, keepdims=True)) @ values[:, :, :t + 1], (keys, values, t + 1)


@pytest.mark.parametrize("answer", [check.reference_cache_step, _float32_step,
                                    _preallocated_step])
def test_cache_step_accepts_valid_answers(answer, capsys):
    assert check.cache_step(answer).passed is True
    assert "correct" in capsys.readouterr().out


@pytest.mark.parametrize(("kwargs", "named"), [
    ({"append": False}, "replaced, not extended"),
    ({"before": True}, "before the new key"),
    ({"scale": False}, "sqrt\\(d\\)"),
    ({"axis": -2}, "wrong axis"),
])
def test_cache_step_names_its_mistakes(kwargs, named):
    with pytest.raises(core.ExerciseError, match=named):
        check.cache_step(lambda *a: check._mistaken_step(*a, **kwargs))


def _uniform(q_t, k_t, v_t, cache):
    values = v_t if cache is None else np.concatenate([cache, v_t], axis=2)
    return values.mean(axis=2, keepdims=True), values


def _keys_as_values(q_t, k_t, v_t, cache):
    return check.reference_cache_step(q_t, k_t, k_t, cache)


@pytest.mark.parametrize("wrong", [
    lambda q, k, v, cache: (np.zeros_like(q), cache),
    lambda q, k, v, cache: (q, cache),
    _uniform,
    _keys_as_values,
])
def test_cache_step_rejects_other_wrong_answers(wrong):
    with pytest.raises(core.ExerciseError, match="your output differs"):
        check.cache_step(wrong)


@pytest.mark.parametrize(("malformed", "hint"), [
    (lambda q, k, v, cache: q, "return a pair"),
    (lambda q, k, v, cache: (np.zeros(3), cache), "return an output of shape"),
])
def test_cache_step_malformed_answers_get_a_one_line_hint(malformed, hint):
    with pytest.raises(core.ExerciseError, match=hint) as error:
        check.cache_step(malformed)
    assert "\n" not in str(error.value)


def test_cache_step_that_raises_is_explained():
    def wrong_axis(q_t, k_t, v_t, cache):
        keys = k_t if cache is None else np.concatenate([cache[0], k_t], axis=-1)
        values = v_t if cache is None else np.concatenate([cache[1], v_t], axis=-1)
        return check.reference_cache_step(q_t, keys, values, None)[0], (keys, values)

    with pytest.raises(core.ExerciseError, match="axis 2"):
        check.cache_step(wrong_axis)


# --- positions: other right measurements ------------------------------------------------------

def order_change_by_calls(model, ids, i, j):
    """Another right answer: the model called on each text separately, the swap written as a
    list, the largest change with keras.ops, returned as a 0-d array."""
    import keras

    order = list(ids)
    order[i], order[j] = order[j], order[i]
    before = model(np.asarray(ids)[None], training=False)[0, -1]
    after = model(np.asarray(order, dtype=ids.dtype)[None], training=False)[0, -1]
    return keras.ops.convert_to_numpy(keras.ops.max(keras.ops.abs(before - after)))


def order_change_sorted_max(model, ids, i, j):
    """Another right answer: both texts in one float32 batch, the largest change read as the
    last of the sorted absolute differences, a NumPy float32 scalar."""
    swapped = np.array(ids)
    swapped[i], swapped[j] = ids[j], ids[i]
    probs = model.predict(np.stack([swapped, ids]), verbose=0)
    return np.sort(np.abs(probs[1, -1] - probs[0, -1]).astype(np.float32))[-1]


@pytest.mark.parametrize("right", [order_change_by_calls, order_change_sorted_max])
def test_positions_other_right_measurements_pass(right):
    assert check.positions(right, prediction=" Unchanged").passed is True


def test_positions_a_dict_gets_a_one_line_hint():
    with pytest.raises(core.ExerciseError, match="your change .* should be one number, got a "
                       "dict") as error:
        check.positions(lambda model, ids, i, j: {"change": 0.1})
    assert "\n" not in str(error.value)
