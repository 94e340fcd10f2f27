"""Issue 20's low list (item 8): each reproduction gives one line and a true exit code."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

Cli = Callable[..., tuple[int, str, str]]


def _one_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    return lines[0]


def test_a_store_path_whose_tilde_cannot_be_expanded_is_one_line(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RISKCURVE_STORE", "~nonuser_riskcurve_test/x")
    code, _, err = cli("series", "list")
    assert code == 1
    assert "RISKCURVE_STORE '~nonuser_riskcurve_test/x': its ~ cannot be expanded" in _one_line(err)
    assert "internal error" not in err


@pytest.mark.parametrize("value", ["1e20", "100000000000000000000", "-99999999"])
def test_an_absurd_signal_parameter_is_refused(cli: Cli, filled_store_path: Path, value: str) -> None:
    code, _, err = cli("signal", "breakout", "-p", f"min_base={value}", "--store", str(filled_store_path))
    assert code == 1 and "must be a int (finite, at most 25,200 in size)" in _one_line(err)


@pytest.mark.parametrize("target", ["nan", "inf", "-inf"])
def test_a_when_threshold_that_is_not_finite_is_refused(cli: Cli, filled_store_path: Path, target: str) -> None:
    code, _, err = cli(
        "study", "--when", f"NETLIQ.chg_13w>{target}", "--target", "BTC", "--store", str(filled_store_path)
    )
    assert code in (1, 2) and f"{target!r} is not a finite number" in _one_line(err)


def test_an_ascii_terminal_gets_plus_minus_not_a_crash(filled_store_path: Path) -> None:
    env = {**os.environ, "PYTHONIOENCODING": "ascii"}
    done = subprocess.run(
        [sys.executable, "-P", "-m", "riskcurve", "check", "C02", "--store", str(filled_store_path)],
        capture_output=True,
        env=env,
        timeout=300,
    )
    assert done.returncode in (0, 1), done.stderr
    assert b"codec can't encode" not in done.stderr
    assert b"+/-" in done.stdout and all(byte < 128 for byte in done.stdout)


def test_a_dask_scheduler_address_with_credentials_is_masked() -> None:
    from riskcurve.backtest.executors import Executor

    described = Executor("dask", scheduler="tcp://alice:s3cr3t@10.0.0.1:8786").describe()
    assert "s3cr3t" not in described and "alice" not in described and "10.0.0.1:8786" in described
