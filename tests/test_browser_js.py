"""book_static/rnnbook.js, run in an embedded V8 (mini-racer), against the NumPy code it mirrors.

No browser: the pages' stepper, cells and sampling filters are checked number for number
against :class:`rnnbook.generation.stepper.CharStepper`, :mod:`rnnbook.cells.numpy_rnn` and
:mod:`rnnbook.generation.sampling`, on every committed model and on small random ones of every kind.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from rnnbook.cells.numpy_rnn import gru_step, lstm_step, rnn_step
from rnnbook.cells.numpy_rnn.activations import softmax
from rnnbook.generation import sampling, web_export
from rnnbook.text.vocabulary import Vocabulary

py_mini_racer = pytest.importorskip("py_mini_racer", reason="mini-racer (the test extra) is "
                                    "not installed")

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "book_static" / "rnnbook.js"
SEED = "shall i compare thee to a summer's day?\n"
# Sonnet 18 (public domain), read after the seed: 300 steps of real text.
TEXT = ("thou art more lovely and more temperate:\nrough winds do shake the darling buds of may,\n"
        "and summer's lease hath all too short a date;\nsometime too hot the eye of heaven "
        "shines,\nand often is his gold complexion dimm'd;\nand every fair from fair sometime "
        "declines,\nby chance or nature's changing course untrimm'd;\nbut thy eternal summer "
        "shall not fade,\nnor lose possession of that fair thou ow'st;\n")
STEPS = 300
TOLERANCE = 1e-5


def engine():
    ctx = py_mini_racer.MiniRacer()
    ctx.eval(SCRIPT.read_text(encoding="utf-8"))
    return ctx


def js(ctx, expression: str):
    """The value of a JavaScript expression, through JSON."""
    return json.loads(ctx.eval(f"JSON.stringify({expression})"))


def js_probabilities(ctx, record: dict, seed: str, ids: list[int]) -> np.ndarray:
    """(len(ids) + 1, vocab): the JS stepper's probabilities after the seed and each id."""
    ctx.eval(web_export.model_script(record))
    out = js(ctx, f"""(() => {{
        const st = new RNNBOOK.CharStepper(RNNBOOK_MODELS[{json.dumps(record["name"])}]);
        let {{probs, state}} = st.feed(RNNBOOK.prepareSeed(st.vocab, {json.dumps(seed)}).ids, null);
        const rows = [Array.from(probs)];
        for (const id of {json.dumps(ids)}) {{
            ({{probs, state}} = st.step(id, state));
            rows.push(Array.from(probs));
        }}
        return rows;
    }})()""")
    return np.array(out)


def numpy_probabilities(stepper, vocab: Vocabulary, seed: str, ids: list[int]) -> np.ndarray:
    seed_ids, _ = sampling.prepare_seed(vocab, seed, warn=False)
    probs, state = stepper.feed(seed_ids[None, :], None)
    rows = [probs[0]]
    for i in ids:
        probs, state = stepper.step(np.array([i]), state)
        rows.append(probs[0])
    return np.array(rows, dtype=np.float64)


# ---------------------------------------------------------------- the committed models


def committed():
    from rnnbook.models import saved_models

    return saved_models()


@pytest.fixture(scope="module")
def ctx():
    return engine()


@pytest.mark.parametrize("name", committed())
def test_committed_model_matches_char_stepper(ctx, name):
    from rnnbook.generation.stepper import CharStepper
    from rnnbook.models import load_char_model

    record = web_export.saved_model_record(name)
    model, vocab, _ = load_char_model(name)
    stepper = CharStepper.from_model(model)
    ids = [int(i) for i in vocab.encode(vocab.clean(TEXT * 2).text)[:STEPS]]
    assert len(ids) == STEPS
    expected = numpy_probabilities(stepper, vocab, SEED, ids)
    got = js_probabilities(ctx, record, SEED, ids)
    assert got.shape == expected.shape == (STEPS + 1, len(vocab))
    worst = float(np.abs(got - expected).max())
    print(f"\n{name}: largest difference over {STEPS + 1} distributions: {worst:.2e}")
    assert worst <= TOLERANCE, f"{name}: JS and NumPy differ by {worst:.2e}"

    # Greedy continuation: the same characters.
    greedy = sampling.generate(stepper, vocab, SEED, 200, temperature=0)
    got_greedy = js(ctx, f"""RNNBOOK.generate(new RNNBOOK.CharStepper(RNNBOOK_MODELS[
        {json.dumps(name)}]), {json.dumps(SEED)}, 200, {{temperature: 0}}, null)""")
    assert got_greedy == greedy

    # Beam search: the same continuation and log-probability.
    beam, log_prob = sampling.beam_search(stepper, vocab, SEED, 30, beam_width=3)
    got_beam = js(ctx, f"""RNNBOOK.beamSearch(new RNNBOOK.CharStepper(RNNBOOK_MODELS[
        {json.dumps(name)}]), {json.dumps(SEED)}, 30, 3)""")
    assert got_beam["text"] == beam
    assert abs(got_beam["logProb"] - log_prob) < 1e-3


# ---------------------------------------------------------------- every kind, random weights


def random_layer(rng, kind, features, units, reset_after=True):
    gates = {"rnn": 1, "lstm": 4, "gru": 3}[kind]
    bias_shape = (2, gates * units) if kind == "gru" and reset_after else (gates * units,)
    return [rng.normal(0, 0.4, (features, gates * units)).astype(np.float32),
            rng.normal(0, 0.4, (units, gates * units)).astype(np.float32),
            rng.normal(0, 0.3, bias_shape).astype(np.float32)]


CASES = [  # kind, embedding dim (None: one-hot), units per layer, reset_after
    ("rnn", None, [16], True),
    ("lstm", None, [12], True),
    ("lstm", 6, [10, 8], True),
    ("gru", None, [12], True),
    ("gru", 5, [9, 7], True),
    ("gru", None, [12], False),
    ("gru", 4, [8, 6], False),
]


@pytest.mark.parametrize("kind, dim, units, reset_after", CASES)
def test_cells_match_numpy(ctx, kind, dim, units, reset_after):
    rng = np.random.default_rng(len(units) * 10 + (dim or 0))
    chars = list("\n abcdefghij")
    vocab = len(chars)
    embedding = None if dim is None else rng.normal(0, 1, (vocab, dim)).astype(np.float32)
    features = [vocab if dim is None else dim, *units[:-1]]
    cells = [random_layer(rng, kind, f, u, reset_after) for f, u in
             zip(features, units, strict=True)]
    dense = [rng.normal(0, 0.5, (units[-1], vocab)).astype(np.float32),
             rng.normal(0, 0.1, vocab).astype(np.float32)]
    name = f"random_{kind}_{dim}_{len(units)}_{reset_after}"
    record = web_export.model_record(name, kind, chars, embedding, cells, dense,
                                     reset_after=reset_after)
    ids = [int(i) for i in rng.integers(0, vocab, 60)]
    table = np.eye(vocab, dtype=np.float32) if embedding is None else embedding

    # The reference: the course's NumPy cells, layer over layer, then the softmax head.
    state = [np.zeros((1, u), np.float32) for u in units for _ in range(2 if kind == "lstm" else 1)]
    expected = []
    for i in [chars.index("a"), *ids]:
        x, new = table[[i]], []
        for k, ws in enumerate(cells):
            if kind == "lstm":
                h, c = lstm_step(x, state[2 * k], state[2 * k + 1], ws)
                new += [h, c]
            elif kind == "gru":
                h = gru_step(x, state[k], ws, reset_after=reset_after)
                new.append(h)
            else:
                h = rnn_step(x, state[k], ws)
                new.append(h)
            x = h
        state = new
        expected.append(softmax(x @ dense[0] + dense[1])[0])
    got = js_probabilities(ctx, record, "a", ids)
    worst = float(np.abs(got - np.array(expected, dtype=np.float64)).max())
    assert worst <= TOLERANCE, f"{name}: JS and NumPy differ by {worst:.2e}"


def test_bad_kind_and_ids_are_named(ctx):
    with pytest.raises(py_mini_racer.JSEvalException, match="kind"):
        ctx.eval('new RNNBOOK.CharStepper({kind: "transformer"})')
    record = web_export.model_record("tiny", "rnn", ["a", "b"], None,
                                     [random_layer(np.random.default_rng(0), "rnn", 2, 3)],
                                     [np.zeros((3, 2), np.float32), np.zeros(2, np.float32)])
    ctx.eval(web_export.model_script(record))
    with pytest.raises(py_mini_racer.JSEvalException, match="ids"):
        ctx.eval("new RNNBOOK.CharStepper(RNNBOOK_MODELS.tiny).step(5, null)")


# ---------------------------------------------------------------- the sampling filters


def distributions(rng, count=200, vocab=12):
    """Random distributions, half of them with ties (values rounded to a coarse grid)."""
    for n in range(count):
        p = rng.dirichlet(np.full(vocab, 0.5 if n % 3 else 2.0))
        if n % 2:
            p = np.round(p * 8) + (rng.random(vocab) < 0.3)  # many equal values, some zeros
            p = p / p.sum() if p.sum() else np.full(vocab, 1 / vocab)
        yield p


def test_filters_match_sampling(ctx):
    rng = np.random.default_rng(0)
    cases = []
    for p in distributions(rng):
        k = int(rng.integers(1, len(p) + 2))
        # top-p at random, and exactly at a cumulative mass (the boundary case).
        order = np.argsort(-p, kind="stable")
        boundary = float(np.cumsum(p[order])[int(rng.integers(0, len(p)))])
        for top_p in (float(rng.uniform(0.05, 1.0)), min(boundary, 1.0)):
            cases.append((p, k, top_p, float(rng.choice([0.0, 0.3, 1.0, 1.7]))))
    got = js(ctx, "(" + json.dumps([[list(p), k, top_p, t] for p, k, top_p, t in cases]) + """)
        .map(([p, k, topP, t]) => [Array.from(RNNBOOK.keepTopK(p, k)),
                                    Array.from(RNNBOOK.keepTopP(p, topP)),
                                    Array.from(RNNBOOK.distribution(p, {temperature: t, topK: k,
                                                                        topP: topP}))])""")
    for (p, k, top_p, t), (top_k_js, top_p_js, shaped_js) in zip(cases, got, strict=True):
        for mine, theirs in ((top_k_js, sampling.keep_top_k(p, k)),
                             (top_p_js, sampling.keep_top_p(p, top_p)),
                             (shaped_js, sampling.distribution(p, t, min(k, len(p)), top_p))):
            mine = np.array(mine)
            np.testing.assert_array_equal(mine > 0, theirs > 0)  # the same characters kept
            np.testing.assert_allclose(mine, theirs, rtol=0, atol=1e-12)


def test_sample_draws_from_the_filtered_set(ctx):
    drawn = js(ctx, """(() => { const rng = new RNNBOOK.Random(3), out = [];
        for (let n = 0; n < 2000; n++) out.push(RNNBOOK.sample([0.5, 0.3, 0.15, 0.05],
            {temperature: 1, topK: 2}, rng));
        return out; })()""")
    counts = np.bincount(drawn, minlength=4)
    assert counts[2] == counts[3] == 0  # top-k = 2 never draws the third or fourth
    assert 0.55 < counts[0] / 2000 < 0.70  # 0.5 / 0.8 = 0.625
    again = js(ctx, "[1, 2].map(() => new RNNBOOK.Random(7).random())")
    assert again[0] == again[1]  # seeded: reproducible


def test_seed_cleaning_matches_vocabulary(ctx):
    vocab = Vocabulary(tuple("\n !',-.:;?abcdefghijklmnopqrstuvwxyz\u2014"))
    ctx.eval(f"var V = new RNNBOOK.Vocabulary({json.dumps(list(vocab.chars))});")
    for text in ["Shall I compare thee – to a “summer’s” day?\tCafé", "", "ÀÉ#@ 1 2", "a-b—c"]:
        cleaned = vocab.clean(text)
        got = js(ctx, f"V.clean({json.dumps(text)})")
        assert got["text"] == cleaned.text
        assert got["lowered"] == cleaned.lowered
        assert tuple(got["replaced"]) == cleaned.replaced
        assert tuple(got["dropped"]) == cleaned.dropped


# ---------------------------------------------------------------- the export


def test_encoding_round_trip_is_float32_little_endian():
    a = np.random.default_rng(1).normal(size=(3, 5)).astype(np.float64)
    record = web_export.encode_array(a)
    assert record["shape"] == [3, 5]
    assert len(record["data"]) == 4 * ((15 * 4 + 2) // 3)  # base64 of 60 bytes
    np.testing.assert_array_equal(web_export.decode_array(record), a.astype(np.float32))


def test_export_writes_scripts_and_index(tmp_path):
    entries = web_export.export(tmp_path, ["sonnets_rnn128"])
    assert [e["name"] for e in entries] == ["sonnets_rnn128"]
    script = (tmp_path / "sonnets_rnn128.js").read_text(encoding="ascii")
    assert script.startswith("(globalThis.RNNBOOK_MODELS = globalThis.RNNBOOK_MODELS || {})")
    assert entries[0]["bytes"] == len(script)
    # 4 bytes a weight, 4/3 of that in base64, and a small card: under 6 bytes a weight.
    assert entries[0]["bytes"] < 6 * entries[0]["weights"]
    ctx = engine()
    ctx.eval((tmp_path / "index.js").read_text(encoding="ascii"))
    assert js(ctx, "RNNBOOK_MODEL_INDEX.map(e => e.file)") == ["sonnets_rnn128.js"]


def test_model_record_checks_the_head():
    with pytest.raises(ValueError, match="dense"):
        web_export.model_record("x", "rnn", ["a", "b"], None, [], [np.zeros((3, 3))])
    with pytest.raises(ValueError, match="kind"):
        web_export.model_record("x", "cnn", ["a"], None, [], [])


def test_page_snippets_load_the_static_scripts():
    from rnnbook.book.browser import SCRIPTS, colouring_html, explorer_html

    page = explorer_html('a "seed" <b>', model="sonnets_lstm128", length=50)
    assert 'data-rnnbook="explorer"' in page and 'data-length="50"' in page
    assert 'data-seed="a &quot;seed&quot; &lt;b&gt;"' in page  # escaped, never markup
    for name in SCRIPTS:
        assert f'<script src="../_static/{name}"></script>' in page
        assert (ROOT / "book_static" / name).exists() or name.startswith("rnnbook-models/")
    assert "needs JavaScript" in page  # what shows where nothing runs
    colour = colouring_html("some text", array="c", unit=7)
    assert 'data-rnnbook="colouring"' in colour and 'data-unit="7"' in colour
    with pytest.raises(ValueError, match="unit"):
        colouring_html("x", unit=-1)
