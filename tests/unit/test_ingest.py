"""Updates and imports: incremental, idempotent, all-or-nothing, with an offline fallback."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from riskcurve._typing import DateLike
from riskcurve.data.ingest import PRICE_OVERLAP_DAYS, VALUE_OVERLAP_DAYS, import_csv, update
from riskcurve.data.providers.base import Fetched, utc_now
from riskcurve.data.store import Store
from riskcurve.errors import DataError, ProviderError


def _everything(store: Store) -> dict[str, pd.DataFrame]:
    return {s: store.read(s, provenance=True) for s in store.symbols()}


def _day_after(csv: Path) -> str:
    """The day after a snapshot file's last row: a new row, wherever the snapshot ends."""
    last = csv.read_text().rstrip("\n").rsplit("\n", 1)[-1].split(",", 1)[0]
    return (pd.Timestamp(last) + pd.Timedelta(days=1)).strftime("%Y-%m-%d")


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_snapshot_update_then_noop(mini_snapshot: Path, tmp_path: Path) -> None:
    with Store(tmp_path / "rc.duckdb") as store:
        first = update(store, snapshot=mini_snapshot, offline=True)
        assert first.mode == "snapshot"
        assert {s.symbol for s in first.written} == {"RUT", "BTC", "WALCL", "M2SL"}
        assert first.rows_new == sum(
            len(pd.read_csv(p)) for p in [*mini_snapshot.glob("prices/*.csv"), *mini_snapshot.glob("macro/*.csv")]
        )
        before = _everything(store)
        second = update(store, snapshot=mini_snapshot, offline=True)
        assert second.rows_new == 0 and second.rows_revised == 0
        after = _everything(store)
        for symbol, frame in before.items():
            pd.testing.assert_frame_equal(frame, after[symbol])  # fetched_at included: nothing rewritten


def test_snapshot_update_appends_new_rows_only(mini_snapshot: Path, tmp_path: Path) -> None:
    rut = mini_snapshot / "prices" / "RUT.csv"
    lines = rut.read_text().splitlines(keepends=True)
    rut.write_text("".join(lines[:-5]))
    with Store(tmp_path / "rc.duckdb") as store:
        update(store, ["RUT"], snapshot=mini_snapshot, offline=True)
        rut.write_text("".join(lines))
        result = update(store, ["RUT"], snapshot=mini_snapshot, offline=True)
        assert (result.rows_new, result.rows_revised) == (5, 0)


def test_corrupt_snapshot_fails_clearly_and_changes_nothing(mini_snapshot: Path, tmp_path: Path) -> None:
    path = tmp_path / "rc.duckdb"
    with Store(path) as store:
        update(store, snapshot=mini_snapshot, offline=True)
        before = _everything(store)
    digest = _sha(path)
    btc = mini_snapshot / "prices" / "BTC.csv"
    lines = btc.read_text().splitlines(keepends=True)
    lines.append(f"{_day_after(btc)},,,,not-a-price,\n")
    btc.write_text("".join(lines))
    # A new RUT row too: the whole update must be refused, not just BTC.
    rut = mini_snapshot / "prices" / "RUT.csv"
    rut.write_text(rut.read_text() + f"{_day_after(rut)},1,1,1,2700,1\n")
    with Store(path) as store, pytest.raises(DataError) as caught:
        update(store, snapshot=mini_snapshot, offline=True)
    assert str(caught.value) == f"{btc}: line {len(lines)}: close 'not-a-price' is not a number"
    assert _sha(path) == digest
    with Store(path, read_only=True) as store:
        after = _everything(store)
    assert before.keys() == after.keys()
    for symbol in before:
        pd.testing.assert_frame_equal(before[symbol], after[symbol])


def test_process_killed_mid_write_leaves_store_as_before(mini_snapshot: Path, tmp_path: Path) -> None:
    path = tmp_path / "rc.duckdb"
    with Store(path) as store:
        update(store, ["RUT"], snapshot=mini_snapshot, offline=True)
        before = _everything(store)
    script = textwrap.dedent(
        f"""
        import os
        from riskcurve.data.store import Store
        from riskcurve.data.ingest import update
        original = Store._write_prices
        def write_then_die(self, item):
            stats = original(self, item)
            if item.symbol == "BTC":
                os._exit(9)  # killed after BTC's rows went in, before the commit
            return stats
        Store._write_prices = write_then_die
        update(Store({str(path)!r}), snapshot={str(mini_snapshot)!r}, offline=True)
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 9, done.stderr
    with Store(path, read_only=True) as store:
        after = _everything(store)
    assert before.keys() == after.keys() == {"RUT"}
    pd.testing.assert_frame_equal(before["RUT"], after["RUT"])


def test_no_network_falls_back_to_snapshot(mini_snapshot: Path) -> None:
    with Store() as store:
        result = update(store, ["WALCL"], snapshot=mini_snapshot, probe=lambda: False)
    assert result.mode == "snapshot"
    assert result.note == f"network unreachable: using the snapshot at {mini_snapshot}"


def test_no_network_and_no_snapshot_is_an_error() -> None:
    with Store() as store, pytest.raises(DataError, match="no network and no snapshot folder"):
        update(store, probe=lambda: False)


class FakeProvider:
    """Serves fixed frames and records what was asked of it."""

    def __init__(self, name: str, frames: dict[str, pd.DataFrame], fail: set[str] | None = None) -> None:
        self.name = name
        self.frames = frames
        self.fail = fail or set()
        self.calls: list[tuple[str, DateLike | None]] = []

    def symbols(self) -> list[str]:
        return sorted(self.frames)

    def fetch(self, symbol: str, start: DateLike | None = None, end: DateLike | None = None) -> Fetched:
        self.calls.append((symbol, start))
        if symbol in self.fail:
            raise ProviderError(self.name, symbol, "gave up after 5 attempts: HTTP 503")
        frame = self.frames[symbol]
        if start is not None:
            frame = frame.loc[frame.index >= pd.Timestamp(start)]
        kind = "price" if "close" in frame else "value"
        return Fetched(symbol, kind, frame, self.name, f"{self.name}:{symbol}", utc_now())


def _live(mini_snapshot: Path) -> tuple[FakeProvider, FakeProvider]:
    snapshot = Path(mini_snapshot)
    rut = pd.read_csv(snapshot / "prices" / "RUT.csv", index_col="date", parse_dates=True)
    walcl = pd.read_csv(snapshot / "macro" / "WALCL.csv", index_col="date", parse_dates=True)
    return FakeProvider("yahoo", {"RUT": rut}), FakeProvider("fred", {"WALCL": walcl})


def test_live_update_is_incremental_with_overlap(mini_snapshot: Path) -> None:
    yahoo, fred = _live(mini_snapshot)
    with Store() as store:
        update(store, ["RUT", "WALCL"], probe=lambda: True, providers={"yahoo": yahoo, "fred": fred})
        assert yahoo.calls == [("RUT", None)] and fred.calls == [("WALCL", None)]
        result = update(store, ["RUT", "WALCL"], probe=lambda: True, providers={"yahoo": yahoo, "fred": fred})
        assert result.mode == "live" and result.rows_new == 0
        last_rut = store.last_date("RUT")
        last_walcl = store.last_date("WALCL")
    assert yahoo.calls[-1] == ("RUT", last_rut - pd.Timedelta(days=PRICE_OVERLAP_DAYS))
    assert fred.calls[-1] == ("WALCL", last_walcl - pd.Timedelta(days=VALUE_OVERLAP_DAYS))


def test_provider_failure_aborts_whole_update(mini_snapshot: Path) -> None:
    yahoo, fred = _live(mini_snapshot)
    fred.fail = {"WALCL"}
    with Store() as store:
        with pytest.raises(ProviderError, match="fred WALCL: gave up"):
            update(store, ["RUT", "WALCL"], probe=lambda: True, providers={"yahoo": yahoo, "fred": fred})
        assert store.symbols() == []


def test_keep_going_writes_the_rest(mini_snapshot: Path) -> None:
    yahoo, fred = _live(mini_snapshot)
    fred.fail = {"WALCL"}
    with Store() as store:
        result = update(
            store, ["RUT", "WALCL"], probe=lambda: True, providers={"yahoo": yahoo, "fred": fred}, keep_going=True
        )
        assert store.symbols() == ["RUT"]
    assert result.failures == (("WALCL", "fred WALCL: gave up after 5 attempts: HTTP 503"),)


def test_series_without_live_source_comes_from_snapshot(mini_snapshot: Path, snapshot_root: Path) -> None:
    with Store() as store:
        result = update(store, ["GOLD_LBMA"], snapshot=snapshot_root, probe=lambda: True)
    assert result.mode == "live"
    assert result.written[0].provider == "snapshot"


def test_import_validates_and_is_idempotent(tmp_path: Path) -> None:
    csv = tmp_path / "flows.csv"
    csv.write_text("Week,NetFlow\n2025-01-03,-1.5\n2025-01-10,2.25\n")
    with Store() as store:
        stats = import_csv(
            store, csv, "iwm_flows", date_column="Week", value_column="NetFlow", lag_days=1, unit="USD bn"
        )
        assert (stats.symbol, stats.rows_new) == ("IWM_FLOWS", 2)
        assert import_csv(store, csv, "IWM_FLOWS", date_column="Week", value_column="NetFlow", lag_days=1).rows_new == 0
        # Known one day after the date, plus the end of that day.
        assert store.observations("IWM_FLOWS", as_of="2025-01-10")["value"].tolist() == [-1.5]
        assert store.meta("IWM_FLOWS").origin == "import"
        with pytest.raises(DataError, match="is an imported series"):
            update(store, ["IWM_FLOWS"], probe=lambda: True)


def test_import_refuses_taken_names_and_bad_files(tmp_path: Path) -> None:
    csv = tmp_path / "x.csv"
    csv.write_text("date,value\n2025-01-03,1\n2025-01-03,2\n")
    with Store() as store:
        with pytest.raises(DataError, match="name is taken"):
            import_csv(store, csv, "RUT")
        with pytest.raises(DataError, match="invalid series name"):
            import_csv(store, csv, "1bad name")
        with pytest.raises(DataError, match=r"line 3: .*duplicate date 2025-01-03"):
            import_csv(store, csv, "MINE")
        assert store.symbols() == []
