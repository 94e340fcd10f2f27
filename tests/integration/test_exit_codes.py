"""Exit codes a cron job can trust, and one line for each failure (issue 11).

0 everything done; 1 failed or only partly done; 2 bad command line; 75 store busy; 130 interrupted.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from riskcurve.data import ingest
from riskcurve.data.store import Store

Cli = Callable[..., tuple[int, str, str]]
REPO = Path(__file__).resolve().parents[2]


def test_a_partial_keep_going_update_exits_1(cli: Cli, mini_snapshot: Path, tmp_path: Path) -> None:
    rut = mini_snapshot / "prices" / "RUT.csv"
    lines = rut.read_text().splitlines()
    lines[4] = "garbage"
    rut.write_text("\n".join(lines) + "\n")
    store = tmp_path / "s.duckdb"
    code, _, err = cli("update", "--keep-going", "--offline", "--snapshot", str(mini_snapshot), "--store", str(store))
    assert code == 1
    assert "failed RUT: " in err and "line 5" in err
    with Store(store, read_only=True) as db:
        assert "BTC" in db.symbols() and "RUT" not in db.symbols()  # what fetched cleanly landed


def test_a_watch_that_gave_up_on_a_delivery_exits_1_without_leaking_the_url(
    cli: Cli, filled_store_path: Path, tmp_path: Path
) -> None:
    store = tmp_path / "w.duckdb"
    shutil.copy(filled_store_path, store)
    url = "json://127.0.0.1:9/hook/TOKEN123SECRET"  # port 9: nothing listens
    code, out, err = cli(
        "watch", "--once", "--no-update", "--as-of", "2024-03-01", "--max-attempts", "1", "--notify", url,
        "--store", str(store),
    )  # fmt: skip
    assert code == 1
    assert "gave up" in err
    assert "TOKEN123SECRET" not in out + err


def test_an_interrupt_inside_a_command_is_one_line_and_130(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, mini_snapshot: Path, tmp_path: Path
) -> None:
    def interrupted(*_: object, **__: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(ingest, "update", interrupted)
    code, out, err = cli("update", "--offline", "--snapshot", str(mini_snapshot), "--store", str(tmp_path / "s.db"))
    assert (code, out, err) == (130, "", "riskcurve: interrupted\n")


@pytest.mark.parametrize(
    "argv",
    [
        ("series", "show"),
        ("series", "list", "--bogus"),
        ("import", "x.csv", "--name", "X", "--lag-days", "99999999999"),
        ("report", "--reps", "0"),
        ("study", "--events", "breakout", "--target", "BTC", "--horizons", "99999999999999999999999"),
    ],
)
def test_a_bad_command_line_is_one_line_and_2(cli: Cli, argv: tuple[str, ...]) -> None:
    code, out, err = cli(*argv)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("riskcurve: error: ")


def _hold_for_writing(path: str, seconds: float) -> None:
    with Store(path):
        time.sleep(seconds)


def test_a_store_held_too_long_is_one_line_in_riskcurve_terms_and_75(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = tmp_path / "s.duckdb"
    Store(path).close()
    csv = tmp_path / "flows.csv"
    csv.write_text("date,value\n2024-01-02,1\n")
    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
    holder = context.Process(target=_hold_for_writing, args=(str(path), 8.0))
    holder.start()
    try:
        for _ in range(500):  # until the holder has the lock
            try:
                Store(path, read_only=True, lock_timeout=0).close()
            except Exception:  # noqa: BLE001 - any refusal means the holder has it
                break
            time.sleep(0.01)
        monkeypatch.setenv("RISKCURVE_LOCK_TIMEOUT", "0.5")
        code, _, err = cli("import", str(csv), "--name", "FLOWS", "--store", str(path))
    finally:
        holder.terminate()
        holder.join(10)
    assert code == 75
    assert err.count("\n") == 1 and "is busy" in err and f"process {holder.pid}" in err
    assert "RISKCURVE_LOCK_TIMEOUT" in err and "-readonly" not in err


def test_sigint_gives_one_line_and_130_at_start_up_and_mid_update(snapshot_root: Path, tmp_path: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(REPO / "src"))

    def update(name: str) -> subprocess.Popen[str]:
        argv = [sys.executable, "-m", "riskcurve", "update", "--offline", "--snapshot", str(snapshot_root)]
        argv += ["--store", str(tmp_path / f"{name}.duckdb")]
        return subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    # Mid-update is the middle of a whole update on this machine: a fixed delay can land after
    # the work is done, when the interrupt no longer stops anything.
    began = time.perf_counter()
    whole = update("whole")
    whole.communicate(timeout=300)
    assert whole.returncode == 0
    outcomes = []
    for delay in (0.3, (time.perf_counter() - began) / 2):
        process = update(f"s{delay}")
        time.sleep(delay)
        if process.poll() is not None:  # pragma: no cover - a machine fast enough to finish first
            process.communicate()
            continue
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=120)
        outcomes.append((process.returncode, out, err))
    if not outcomes:  # pragma: no cover
        pytest.skip("the update finished before it could be interrupted")
    for code, out, err in outcomes:
        # A shell reports a process ended by SIGINT as 128 + 2 = 130 too: Python ends itself by the
        # signal when the interrupt reaches its own shutdown (seen on a loaded machine).
        assert code in (130, -signal.SIGINT)
        assert (out, err) == ("", "riskcurve: interrupted\n")
