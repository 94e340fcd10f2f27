"""The argument checks the statistics share (riskcurve.stats._validation), and that the studies use them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

from riskcurve.stats._validation import check_alpha, check_block_length, check_int, check_seed, check_string
from riskcurve.stats.conditional import ConditionalStudy
from riskcurve.stats.event_study import EventStudy
from riskcurve.stats.leadlag import LeadLag


def test_valid_values_come_back_normalised() -> None:
    rng = np.random.default_rng(0)
    assert check_int("reps", np.int64(50), 50) == 50 and type(check_int("reps", np.int64(50), 50)) is int
    assert check_alpha(np.float32(0.25)) == 0.25 and check_alpha(0.05) == 0.05
    assert check_seed(None) is None and check_seed(rng) is rng and check_seed(np.int64(7)) == 7
    assert check_block_length(np.int64(3)) == 3.0 and check_string("name", "x") == "x"


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: check_int("reps", True, 1), TypeError, "reps must be an int; got bool"),
        (lambda: check_int("reps", 2.0, 1), TypeError, "reps must be an int; got float"),
        (lambda: check_int("max_lag", 0, 1), ValueError, "max_lag must be at least 1; got 0"),
        (lambda: check_alpha("0.05"), TypeError, "alpha must be a number; got str"),
        (lambda: check_alpha(0.5), ValueError, "alpha must be strictly between 0 and 0.5"),
        (lambda: check_alpha(float("nan")), ValueError, "alpha must be strictly between 0 and 0.5"),
        (lambda: check_seed(1.5), TypeError, "seed must be an int, a numpy Generator or None; got float"),
        (lambda: check_seed(True), TypeError, "seed must be an int, a numpy Generator or None; got bool"),
        (lambda: check_block_length("2"), TypeError, "block_length must be a number >= 1"),
        (lambda: check_block_length(float("inf")), ValueError, "block_length must be a finite number >= 1"),
        (lambda: check_string("name", 3), TypeError, "name must be a string, got int"),
    ],
)
def test_wrong_types_and_values_are_named(call: Callable[[], Any], error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        call()


def _close(name: str) -> pd.Series:
    days = pd.date_range("2020-01-01", periods=300)
    return pd.Series(100.0 * np.exp(np.linspace(0.0, 0.3, 300)), index=days, name=name)


@pytest.mark.parametrize(
    "build",
    [
        lambda **k: EventStudy(events=pd.DatetimeIndex(["2020-03-01"]), target=_close("T"), **k),
        lambda **k: ConditionalStudy(
            target=_close("T"), state=pd.Series(np.arange(300) % 60 < 30, index=_close("T").index), **k
        ),
        lambda **k: LeadLag(_close("A"), _close("B"), **k),
    ],
    ids=["event_study", "conditional", "leadlag"],
)
def test_the_studies_check_alike(build: Callable[..., Any]) -> None:
    # One check, one message, whichever study receives the argument.
    with pytest.raises(TypeError, match="seed must be an int, a numpy Generator or None; got str"):
        build(seed="7")
    with pytest.raises(TypeError, match="reps must be an int; got float"):
        build(reps=500.0)
    with pytest.raises(ValueError, match="alpha must be strictly between 0 and 0.5"):
        build(alpha=0.6)
