"""Shared fixtures: the real snapshot, a store filled from it, and a guard on global randomness."""

from __future__ import annotations

import os
import random
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from riskcurve.cli import main
from riskcurve.data.ingest import update
from riskcurve.data.store import Store

REPO = Path(__file__).resolve().parents[1]

#: With this variable set (CI does), any warning attributed to riskcurve's own modules fails the
#: test: a numpy or pandas deprecation that riskcurve's code triggers (reported at the line that
#: called the library), or one riskcurve raises, would otherwise only be printed to users.
OWN_WARNINGS_FAIL = "RISKCURVE_WARNINGS_AS_ERRORS"


def pytest_configure(config: pytest.Config) -> None:
    if os.environ.get(OWN_WARNINGS_FAIL) == "1":
        # Added last, so it takes precedence over the ini's filters; pytest.warns still records.
        config.addinivalue_line("filterwarnings", r"error::Warning:riskcurve(\.|$)")


def _snapshot_root() -> Path | None:
    candidates = [os.environ.get("RISKCURVE_SNAPSHOT"), str(REPO.parent / "shared" / "data")]
    for candidate in candidates:
        if candidate and (Path(candidate) / "prices").is_dir():
            return Path(candidate)
    return None


@pytest.fixture(scope="session")
def snapshot_root() -> Path:
    """The real snapshot folder (../shared/data); skipped where absent unless CI requires it."""
    root = _snapshot_root()
    if root is None:
        if os.environ.get("RISKCURVE_REQUIRE_SNAPSHOT"):
            pytest.fail("the snapshot folder ../shared/data is required here but missing")
        pytest.skip("no snapshot folder (set RISKCURVE_SNAPSHOT or place ../shared/data)")
    return root


@pytest.fixture(scope="session")
def filled_store_path(snapshot_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store file filled once per session from the whole snapshot (tests open it read-only)."""
    path = tmp_path_factory.mktemp("store") / "riskcurve.duckdb"
    with Store(path) as store:
        update(store, snapshot=snapshot_root, offline=True)
    return path


@pytest.fixture
def filled_store(filled_store_path: Path) -> Iterator[Store]:
    with Store(filled_store_path, read_only=True) as store:
        yield store


@pytest.fixture
def mini_snapshot(snapshot_root: Path, tmp_path: Path) -> Path:
    """A writable snapshot folder with a few real files, for tests that corrupt or extend it."""
    root = tmp_path / "snapshot"
    (root / "prices").mkdir(parents=True)
    (root / "macro").mkdir()
    for name in ("RUT", "BTC"):
        shutil.copy(snapshot_root / "prices" / f"{name}.csv", root / "prices" / f"{name}.csv")
    for name in ("WALCL", "M2SL"):
        shutil.copy(snapshot_root / "macro" / f"{name}.csv", root / "macro" / f"{name}.csv")
    return root


@pytest.fixture(autouse=True)
def _no_global_randomness() -> Iterator[None]:
    """Fail any test that draws from the global RNGs: randomness must be injected (``seed=``)."""
    numpy_state = np.random.get_state()[1].copy()  # noqa: NPY002 - reading the global state is the point
    python_state = random.getstate()
    yield
    assert np.array_equal(np.random.get_state()[1], numpy_state), "test used numpy's global RNG"  # noqa: NPY002
    assert random.getstate() == python_state, "test used Python's global RNG"


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Keep tests away from the user's store and keys."""
    monkeypatch.setenv("RISKCURVE_STORE", str(tmp_path / "default-store.duckdb"))
    for key in ("FRED_API_KEY", "COINGECKO_API_KEY", "COINGECKO_PRO", "RISKCURVE_CCXT_EXCHANGE"):
        monkeypatch.delenv(key, raising=False)


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., tuple[int, str, str]]:
    """Run the ``riskcurve`` command line in-process: ``cli("series", "list") -> (exit code, stdout, stderr)``."""

    def run(*argv: str) -> tuple[int, str, str]:
        try:
            main(list(argv))
            code = 0
        except SystemExit as done:
            code = int(done.code or 0)
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run
