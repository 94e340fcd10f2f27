"""A sweep on a real Dask cluster: a scheduler and two workers on 127.0.0.1, started as processes.

This is the example of docs/sweeps.md, run: ``dask scheduler --scheduler-file F`` and two
``dask worker --scheduler-file F``; the sweep finds them through the file, counts their threads,
checks their versions and gives the same numbers as this process. A second cluster speaks TLS
only. Every process is bounded in time and stopped at the end.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("distributed")

from riskcurve.backtest import executors  # noqa: E402
from riskcurve.backtest.executors import ClusterMismatchError, Executor, version_mismatches  # noqa: E402
from riskcurve.backtest.sweep import evaluate, ma_cross_inputs  # noqa: E402

START_SECONDS = 90  # the longest a cluster may take to come up on a loaded 2-core machine
THREADS_PER_WORKER = 2

pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class Cluster:
    scheduler_file: Path
    address: str
    tls: tuple[str, str, str] | None = None


def _dask(module: str, *args: str) -> subprocess.Popen[bytes]:
    # -P: the test's working folder is not put on the path (PYTHONPATH, which points the
    # processes at this source tree, is kept).
    return subprocess.Popen(
        [sys.executable, "-P", "-m", f"distributed.cli.{module}", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "DASK_DISTRIBUTED__WORKER__DAEMON": "False"},
    )


def _start(folder: Path, tls: tuple[str, str, str] | None = None) -> Iterator[Cluster]:
    scheduler_file = folder / "scheduler.json"
    security = ["--tls-ca-file", tls[0], "--tls-cert", tls[1], "--tls-key", tls[2]] if tls else []
    processes = [
        _dask(
            "dask_scheduler",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--no-dashboard",
            "--scheduler-file",
            str(scheduler_file),
            *(["--protocol", "tls"] if tls else []),
            *security,
        )
    ]
    try:
        deadline = time.monotonic() + START_SECONDS
        while not scheduler_file.is_file() or not scheduler_file.read_text().strip():
            if time.monotonic() > deadline or processes[0].poll() is not None:
                pytest.fail("the Dask scheduler did not start")
            time.sleep(0.2)
        address = json.loads(scheduler_file.read_text())["address"]
        for _ in range(2):
            processes.append(
                _dask(
                    "dask_worker",
                    "--scheduler-file",
                    str(scheduler_file),
                    "--host",
                    "127.0.0.1",
                    "--nthreads",
                    str(THREADS_PER_WORKER),
                    "--no-nanny",
                    "--no-dashboard",
                    *security,
                )
            )
        from distributed import Client
        from distributed.security import Security

        security_object = (
            Security(tls_ca_file=tls[0], tls_client_cert=tls[1], tls_client_key=tls[2], require_encryption=True)
            if tls
            else None
        )
        with Client(address, security=security_object, timeout=START_SECONDS) as client:
            client.wait_for_workers(2, timeout=START_SECONDS)
        yield Cluster(scheduler_file, address, tls)
    finally:
        for process in reversed(processes):
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=20)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    yield from _start(tmp_path_factory.mktemp("dask"))


@pytest.fixture(scope="module")
def tls_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    pytest.importorskip("cryptography")
    from distributed.security import Security

    folder = tmp_path_factory.mktemp("dask-tls")
    temporary = Security.temporary()  # a self-signed certificate: its own CA
    files = []
    for name, pem in (("ca.pem", temporary.tls_ca_file), ("cert.pem", temporary.tls_client_cert)):
        (folder / name).write_text(pem)
        files.append(str(folder / name))
    (folder / "key.pem").write_text(temporary.tls_client_key)
    (folder / "key.pem").chmod(0o600)
    yield from _start(folder, (files[0], files[1], str(folder / "key.pem")))


def _walk(n: int, seed: int) -> pd.Series:
    rng = np.random.default_rng(seed)
    index = pd.date_range("2018-01-01", periods=n, freq="D", name="date")
    return pd.Series(100.0 * np.exp(np.cumsum(rng.normal(0.0005, 0.03, n))), index=index)


@pytest.fixture(scope="module")
def inputs():  # type: ignore[no-untyped-def]
    pairs = [(f, s) for f in range(2, 20, 3) for s in range(5, 60, 7) if f < s]
    return ma_cross_inputs({"COIN": _walk(900, 1)}, pairs, lags=(1, 2), cost_bp=10.0, slippage_bp=5.0, warmup=60)


def _counting() -> tuple[list[int], Callable[[int, int], None]]:
    totals: list[int] = []
    return totals, lambda done, total: totals.append(total)


def test_a_sweep_on_the_cluster_equals_this_process_and_is_cut_for_its_threads(cluster: Cluster, inputs) -> None:  # type: ignore[no-untyped-def]
    reference = evaluate(inputs, Executor(workers=1))
    totals, progress = _counting()
    remote = Executor("dask", scheduler_file=str(cluster.scheduler_file))
    stats, wins = evaluate(inputs, remote, progress=progress)
    assert np.array_equal(stats, reference[0], equal_nan=True)
    assert np.array_equal(wins, reference[1])
    # Four chunks per thread of the cluster (2 workers x 2 threads), not per local CPU.
    assert set(totals) == {min(4 * 2 * THREADS_PER_WORKER, inputs.n_combos)}
    by_address = evaluate(inputs, Executor("dask", scheduler=cluster.address))
    assert np.array_equal(by_address[0], reference[0], equal_nan=True)


def test_workers_with_other_versions_are_named_and_nothing_is_sent(
    cluster: Cluster, inputs, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    real = executors.local_versions()
    monkeypatch.setattr(executors, "local_versions", lambda: {**real, "numba": "0.0.1"})
    sent: list[object] = []
    monkeypatch.setattr("distributed.Client.scatter", lambda self, *a, **k: sent.append(a))
    with pytest.raises(ClusterMismatchError) as refused:
        evaluate(inputs, Executor("dask", scheduler_file=str(cluster.scheduler_file)))
    message = str(refused.value)
    assert "2 of 2 Dask workers" in message and f"numba {real['numba']} (client 0.0.1)" in message
    assert "127.0.0.1" in message and "\n" not in message
    assert sent == []


def test_version_mismatches_lists_each_difference() -> None:
    client = {"python": "3.11", "riskcurve": "0.1.0", "numba": "0.60.0", "numpy": "1.26.0"}
    same = dict(client)
    other = {**client, "numpy": "2.0.0", "riskcurve": "not installed"}
    lines = version_mismatches(client, {"tcp://10.0.0.1:1": same, "tls://u:secret@10.0.0.2:2": other})
    assert lines == ["tls://***@10.0.0.2:2: riskcurve not installed (client 0.1.0), numpy 2.0.0 (client 1.26.0)"]


def test_the_sweep_command_uses_a_scheduler_file(cluster: Cluster, filled_store_path: Path) -> None:
    argv = ["sweep", "--grid", "ma-cross", "-p", "windows=5:12", "--snooping", "none", "--no-walk-forward"]
    argv += ["--executor", "dask", "--scheduler-file", str(cluster.scheduler_file), "--store", str(filled_store_path)]
    done = subprocess.run(
        [sys.executable, "-P", "-m", "riskcurve", *argv, "--json"], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert (
        json.loads(done.stdout)["settings"]["executor"]
        == f"dask cluster from the scheduler file {cluster.scheduler_file}"
    )


def test_a_scheduler_address_with_credentials_is_masked(filled_store_path: Path) -> None:
    argv = ["sweep", "--grid", "ma-cross", "-p", "windows=5:12", "--snooping", "none", "--no-walk-forward"]
    argv += ["--executor", "dask", "--scheduler", "tcp://alice:s3cret@127.0.0.1:9", "--store", str(filled_store_path)]
    done = subprocess.run(
        [sys.executable, "-P", "-m", "riskcurve", *argv],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "3s"},
    )
    assert done.returncode == 1
    assert "s3cret" not in done.stderr + done.stdout and "alice" not in done.stderr + done.stdout
    assert done.stderr.count("\n") == 1 and "cannot reach the Dask scheduler at tcp://***@" in done.stderr
    assert Executor("dask", scheduler="tls://alice:s3cret@10.0.0.5:8786").describe() == (
        "dask cluster at tls://***@10.0.0.5:8786"
    )


def test_a_tls_cluster_runs_a_sweep_with_the_certificates_and_refuses_without(tls_cluster: Cluster, inputs) -> None:  # type: ignore[no-untyped-def]
    assert tls_cluster.address.startswith("tls://") and tls_cluster.tls is not None
    ca, cert, key = tls_cluster.tls
    reference = evaluate(inputs, Executor(workers=1))
    secured = Executor("dask", scheduler=tls_cluster.address, tls_ca_file=ca, tls_cert=cert, tls_key=key)
    stats, _ = evaluate(inputs, secured)
    assert np.array_equal(stats, reference[0], equal_nan=True)
    plain = "tcp://" + tls_cluster.address.removeprefix("tls://")
    with pytest.raises(OSError, match="cannot reach the Dask scheduler"):
        evaluate(inputs, Executor("dask", scheduler=plain))


def test_tls_options_are_checked_before_connecting(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="TLS needs all three files"):
        Executor("dask", scheduler="tls://127.0.0.1:1", tls_ca_file=str(tmp_path))
    with pytest.raises(ValueError, match="only used with a running cluster"):
        Executor("dask", tls_ca_file="a", tls_cert="b", tls_key="c")
    with pytest.raises(ValueError, match="does not exist"):
        Executor("dask", scheduler_file=str(tmp_path / "absent.json"))
