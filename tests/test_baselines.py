"""Counting baselines: hand-computed probabilities, normalisation, the sonnets' exact targets."""

import bz2
import json
import math

import numpy as np
import pytest

from rnnbook.models import read_card, saved_models
from rnnbook.text import baselines, windows
from rnnbook.text.baselines import KneserNey, Unigram, compressor_nats, score_nats
from rnnbook.text.vocabulary import Vocabulary
from rnnbook.text.windows import CONTEXT, held_out_windows
from tests.conftest import load_script

TEXT = "abracadabra"
VOCAB = Vocabulary.from_text(TEXT)  # a b c d r
A, B, C, D, R = range(5)


@pytest.fixture(scope="module")
def sonnets():
    return windows.sonnet_split()


def test_unigram_by_hand():
    # counts a 5, b 2, c 1, d 1, r 2 of 11; add one to each of the 5: (c + 1) / 16
    p = Unigram().fit(TEXT, VOCAB).distribution()
    np.testing.assert_allclose(p, np.array([6, 3, 2, 2, 3]) / 16)


def test_kneser_ney_bigram_by_hand():
    # Discount 0.5. Bigrams: ab 2, br 2, ra 2, ac 1, ca 1, ad 1, da 1.
    # Level 1, continuation counts (distinct characters before each): a 3 (r, c, d), b, c, d,
    # r 1 each; total 7, 5 types: p1(a) = (3 - .5)/7 + .5 * 5/7 * 1/5 = 3/7, the others 1/7.
    model = KneserNey(2, discount=0.5).fit(TEXT, VOCAB)
    np.testing.assert_allclose(model.distribution(""), np.array([3, 1, 1, 1, 1]) / 7)
    # After "a": ab 2, ac 1, ad 1; c(a) = 4, T(a) = 3, back-off weight .5 * 3/4 = 3/8.
    # p(b|a) = 1.5/4 + 3/8 * 1/7 = 3/7; p(c|a) = .5/4 + 3/8 * 1/7 = 5/28;
    # p(a|a) = 3/8 * 3/7 = 9/56; p(r|a) = 3/8 * 1/7 = 3/56.
    np.testing.assert_allclose(model.distribution("a"), [9 / 56, 3 / 7, 5 / 28, 5 / 28, 3 / 56])
    # After "r": ra 2 only: p(a|r) = 1.5/2 + .5 * 1/2 * 3/7 = 6/7.
    assert model.distribution("r")[A] == pytest.approx(6 / 7)
    # Only the last character counts: "bra" is "a".
    np.testing.assert_allclose(model.distribution("bra"), model.distribution("a"))


def test_kneser_ney_trigram_by_hand():
    # Discount 0.5. Distinct trigrams: abr, bra, rac, aca, cad, ada, dab; so each of the bigrams
    # br, ra, ac, ca, ad, da, ab has continuation count 1. Level 1 as in the bigram test.
    model = KneserNey(3, discount=0.5).fit(TEXT, VOCAB)
    # Level 2 after "b": br 1 -> p2(r|b) = .5/1 + .5 * 1/1 * p1(r) = .5 + .5/7 = 4/7.
    # Level 3 after "ab": abr 2 -> p(r|ab) = 1.5/2 + .5 * 1/2 * 4/7 = 25/28.
    assert model.distribution("ab")[R] == pytest.approx(25 / 28)
    # "aa" never occurs: level 2 after "a" (ab, ac, ad: 1 each; c = 3, T = 3):
    # p(b|aa) = p2(b|a) = .5/3 + .5 * 3/3 * 1/7 = 5/21.
    assert model.distribution("aa")[B] == pytest.approx(5 / 21)


@pytest.mark.parametrize("order", range(1, 7))
def test_kneser_ney_distributions_sum_to_one_and_are_positive(order):
    model = KneserNey(order).fit(TEXT, VOCAB)
    seen = {TEXT[i:i + n] for n in range(order) for i in range(len(TEXT) - n + 1)}
    unseen = {"aa", "dd", "rrrrr", "cba", "dcbar", "abracadabr"}
    for context in seen | unseen:
        p = model.distribution(context)
        assert p.shape == (len(VOCAB),)
        assert p.sum() == pytest.approx(1.0, abs=1e-12) and (p > 0).all(), context


def test_log_probs_are_the_distributions_at_each_position():
    model = KneserNey(3).fit(TEXT, VOCAB)
    text = "cadabrarbad"
    expected = [math.log(model.distribution(text[max(0, i - 2):i])[VOCAB.encode(text[i])[0]])
                for i in range(4, len(text))]
    np.testing.assert_allclose(model.log_probs(text, 4), expected)
    assert score_nats(model, text, 4) == pytest.approx(-np.mean(expected))


def test_compressor_is_a_finite_positive_code_length():
    train, held = TEXT * 300, "abracadabra cadabra" * 20
    for method in ("bz2", "lzma"):
        nats = compressor_nats(train, held, 40, method, drops=2)
        assert math.isfinite(nats) and nats > 0
    # drops=1: the difference of two compressed lengths, exactly.
    bits = 8 * (len(bz2.compress((train + held).encode(), 9))
                - len(bz2.compress((train + held[:40]).encode(), 9)))
    assert compressor_nats(train, held, 40, "bz2", drops=1) == pytest.approx(
        bits * math.log(2) / (len(held) - 40))


def test_sonnet_targets_are_the_neural_models_targets(sonnets):
    _, held, vocab = sonnets
    held_out = held_out_windows(vocab.encode(held), 100, context=CONTEXT)
    assert held_out.targets == len(held) - CONTEXT
    # The counted targets, window by window, are exactly held[40:], in order.
    counted = held_out.y[held_out.mask.astype(bool)]
    assert vocab.decode(counted) == held[CONTEXT:]
    for name in saved_models():  # the committed models use this vocabulary
        if name.startswith("sonnets_"):
            assert tuple(read_card(name)["chars"]) == vocab.chars, name


def test_kneser_ney_beats_the_unigram_on_the_sonnets(sonnets):
    train, held, vocab = sonnets
    unigram = score_nats(Unigram().fit(train, vocab), held, CONTEXT)
    four = score_nats(KneserNey(4).fit(train, vocab), held, CONTEXT)
    assert four < unigram - 1.0  # by over a nat per character
    assert 1.5 < four < 2.0


def test_format_table_ranks_by_nats():
    rows = [baselines.row("b", "counting", 2.0), baselines.row("a", "model", 1.0)]
    table = baselines.format_table(rows)
    assert table.splitlines()[2] == "| 1 | a | model | 1.000 | 1.443 | 2.72 |"  # e^1
    assert table.splitlines()[0].endswith("| perplexity |")


@pytest.mark.parametrize("call, message", [
    (lambda: KneserNey(0), "Argument `order` must be a positive integer. Received: order=0"),
    (lambda: KneserNey(7), "Argument `order` must lie in \\[1, 6\\]. Received: order=7"),
    (lambda: KneserNey(3, discount=1.0), "Argument `discount` must lie in \\(0, 1\\)"),
    (lambda: KneserNey(3, discount=0), "Received: discount=0"),
    (lambda: compressor_nats("ab" * 600, "ab" * 50, 40, "zip"),
     "Argument `method` must be one of 'bz2', 'lzma'. Received: method='zip'"),
    (lambda: KneserNey(2).fit("abracadabra!", VOCAB),
     "Argument `text` must hold only characters of the vocabulary. Received: characters not "
     "in it: '!'"),
    (lambda: KneserNey(2).fit(TEXT, VOCAB).log_probs("xab", 1), "Received: characters not"),
    (lambda: KneserNey(2).fit(TEXT, VOCAB).log_probs("ab", 2), "Argument `start` must lie"),
])
def test_bad_arguments(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_benchmark_script_writes_sorted_rows(tmp_path):
    out = tmp_path / "scores.json"
    result = load_script("benchmarks/sonnet_scores.py").main(
        ["--json", str(out), "--models", "sonnets_rnn128"])
    rows = json.loads(out.read_text())["rows"]
    assert rows == result["rows"] and [r["nats"] for r in rows] == sorted(r["nats"] for r in rows)
    assert {r["name"] for r in rows} >= {"sonnets_rnn128", "unigram", "Kneser-Ney 6-gram", "lzma"}
    assert result["targets"] == 9332
