"""One-line claim checks: a line when they hold, words when they fail, skipped by profile."""

import numpy as np
import pytest

from rnnbook.book.checks import (
    ClaimError,
    check,
    check_between,
    check_close,
    check_less,
    check_shape,
)


def test_a_claim_that_holds_prints_one_line(capsys):
    assert check(True, "two plus two is four") is None  # nothing shows under the cell
    assert capsys.readouterr().out == "checked: two plus two is four\n"


def test_a_claim_that_fails_names_itself_and_the_numbers():
    with pytest.raises(ClaimError, match=r"claim does not hold: gap is small \(0\.5 against"):
        check_less(0.5, 0.1, claim="gap is small")


def test_check_close_reports_the_largest_difference():
    check_close([1.0, 2.0], [1.0, 2.0 + 1e-7], atol=1e-6, claim="close")
    with pytest.raises(ClaimError, match=r"max \|difference\| 0\.1"):
        check_close(np.zeros(3), [0, 0.1, 0], atol=1e-3, claim="close")
    with pytest.raises(ClaimError, match="shapes"):
        check_close(np.zeros(3), np.zeros(4), atol=1, claim="close")


def test_check_between_and_shape():
    check_between(0.5, 0, 1, claim="inside")
    with pytest.raises(ClaimError, match="expected between"):
        check_between(2, 0, 1, claim="inside")
    check_shape(np.zeros((4, 3)), (None, 3), name="h")
    with pytest.raises(ClaimError, match=r"h has shape \(4, 2\) \(got \(4, 3\)\)"):
        check_shape(np.zeros((4, 3)), (4, 2), name="h")


def test_a_claim_outside_its_profiles_is_reported_not_evaluated(monkeypatch, capsys):
    monkeypatch.setenv("RNNBOOK_PROFILE", "smoke")

    def boom():
        raise RuntimeError("must not run")

    check(boom, "quality claim", profiles=("cpu", "gpu"))
    assert "not checked under the smoke profile (checked under cpu, gpu)" in capsys.readouterr().out
    monkeypatch.setenv("RNNBOOK_PROFILE", "cpu")
    with pytest.raises(ClaimError):
        check(lambda: False, "quality claim", profiles="cpu")
