"""The store and the way into it: kinds, damaged files, half-made files, no-op updates, sanity (issue 11)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from riskcurve.data.ingest import import_csv, update
from riskcurve.data.limits import JUMP_FACTOR, MAX_LAG_DAYS, MAX_ROWS
from riskcurve.data.store import Store
from riskcurve.errors import DataError, StoreDamagedError

Cli = Callable[..., tuple[int, str, str]]


# --- kind: what was fetched against what is registered ----------------------------------------


def test_a_value_file_moved_among_prices_is_refused_and_nothing_is_written(mini_snapshot: Path) -> None:
    with Store() as store:
        update(store, ["WALCL", "BTC"], snapshot=mini_snapshot, offline=True)
        before = store.observations("WALCL")
        log = len(store.update_log())
        moved = mini_snapshot / "prices" / "WALCL.csv"
        (mini_snapshot / "macro" / "WALCL.csv").rename(moved)
        moved.write_text(moved.read_text().replace("date,value", "date,close", 1))
        with pytest.raises(DataError, match=r"prices/WALCL\.csv holds price bars but WALCL is stored as a value"):
            update(store, ["WALCL", "BTC"], snapshot=mini_snapshot, offline=True)
        assert store.connection.execute("SELECT count(*) FROM prices WHERE symbol = 'WALCL'").fetchone() == (0,)
        pd.testing.assert_frame_equal(store.observations("WALCL"), before)
        assert len(store.update_log()) == log
        partial = update(store, None, snapshot=mini_snapshot, offline=True, keep_going=True)
        assert [symbol for symbol, _ in partial.failures] == ["WALCL"]
        assert store.connection.execute("SELECT count(*) FROM prices WHERE symbol = 'WALCL'").fetchone() == (0,)


# --- files that are not (or no longer) a store ---------------------------------------------------


def test_a_truncated_store_is_named_with_what_to_do(filled_store_path: Path, tmp_path: Path, cli: Cli) -> None:
    path = tmp_path / "cut.duckdb"
    shutil.copy(filled_store_path, path)
    os.truncate(path, path.stat().st_size // 3)
    with pytest.raises(StoreDamagedError) as caught:
        Store(path, read_only=True)
    message = str(caught.value)
    assert str(path) in message and "riskcurve update" in message and "backup" in message
    assert "series export" in message  # imported series live only in the store
    code, out, err = cli("series", "list", "--store", str(path))
    assert code == 1 and out == "" and err.count("\n") == 1 and "is damaged" in err


def test_corrupted_pages_are_found_by_store_check(filled_store_path: Path, tmp_path: Path, cli: Cli) -> None:
    path = tmp_path / "bad.duckdb"
    shutil.copy(filled_store_path, path)
    code, out, _ = cli("store", "check", "--store", str(path))
    assert code == 0 and ": ok;" in out
    size = path.stat().st_size
    with open(path, "r+b") as handle:
        for offset in range(300_000, size - 4096, 262_144):
            handle.seek(offset)
            handle.write(b"\xde\xad\xbe\xef" * 256)
    code, out, err = cli("store", "check", "--store", str(path))
    assert code == 1 and err.count("\n") == 1 and "is damaged" in err and "Traceback" not in err
    # A command that meets a damaged block mid-query names the file too.
    code, out, err = cli("series", "show", "BTC", "--store", str(path))
    assert code == 1 and err.count("\n") == 1 and f"store {path} is damaged" in err


@pytest.mark.parametrize("how", ["no tables", "zero bytes"])
def test_a_store_left_by_an_update_killed_early_reads_as_empty(tmp_path: Path, cli: Cli, how: str) -> None:
    path = tmp_path / "killed.duckdb"
    if how == "no tables":
        duckdb.connect(str(path)).close()
    else:
        path.write_bytes(b"")
    with Store(path, read_only=True) as store:
        assert store.symbols() == [] and store.uninitialised
    code, out, err = cli("series", "list", "--store", str(path))
    assert code == 0 and "Stored series" in out and err == ""
    code, _, err = cli("regime", "--store", str(path))
    assert code == 0 and "CatalogException" not in err
    with Store(path) as store:  # a writer makes it a store
        assert store.schema_version() > 0


# --- updates that change nothing write nothing; changed history is reported --------------------


def test_a_no_op_update_writes_nothing(mini_snapshot: Path, tmp_path: Path, cli: Cli) -> None:
    path = tmp_path / "s.duckdb"
    with Store(path) as store:
        update(store, snapshot=mini_snapshot, offline=True)
        log = store.update_log()
        rows = store.connection.execute("SELECT count(*) FROM prices").fetchone()
    code, _, err = cli("update", "--offline", "--snapshot", str(mini_snapshot), "--store", str(path))
    assert code == 0 and "0 new rows, 0 revised (already up to date)" in err
    with Store(path, read_only=True) as store:
        pd.testing.assert_frame_equal(store.update_log(), log)
        assert store.connection.execute("SELECT count(*) FROM prices").fetchone() == rows


def test_a_changed_historical_price_is_found_and_reported(mini_snapshot: Path, tmp_path: Path, cli: Cli) -> None:
    path = tmp_path / "s.duckdb"
    with Store(path) as store:
        update(store, ["BTC"], snapshot=mini_snapshot, offline=True)
    prices = mini_snapshot / "prices" / "BTC.csv"
    frame = pd.read_csv(prices, dtype=str)
    row = int(frame.index[frame["date"] == "2015-06-01"][0])
    frame.loc[row, "close"] = repr(float(frame.loc[row, "close"]) * 2)
    frame.to_csv(prices, index=False)
    code, _, err = cli("update", "BTC", "--offline", "--snapshot", str(mini_snapshot), "--store", str(path))
    assert code == 0
    assert "0 new rows, 1 revised" in err
    assert "revised BTC: 1 stored row(s) differ from" in err and "the earliest dated 2015-06-01" in err
    with Store(path, read_only=True) as store:
        assert store.prices("BTC").loc["2015-06-01", "close"] == float(frame.loc[row, "close"])
        kept = store.price_revisions("BTC")
    assert len(kept) == 1 and str(kept["date"].iloc[0])[:10] == "2015-06-01"
    assert kept["close"].iloc[0] * 2 == kept["new_close"].iloc[0]
    assert kept["note"].iloc[0].startswith("replaced by ") and "BTC.csv" in kept["note"].iloc[0]


# --- sanity of what comes in ---------------------------------------------------------------------


def _append_bar(snapshot: Path, close: str) -> int:
    prices = snapshot / "prices" / "BTC.csv"
    lines = prices.read_text().splitlines()
    last = lines[-1].split(",")[0]
    day = (pd.Timestamp(last) + pd.Timedelta(days=1)).date().isoformat()
    prices.write_text("\n".join([*lines, f"{day},,,,{close},"]) + "\n")
    return len(lines) + 1


def test_an_absurd_close_is_refused_naming_file_and_line(mini_snapshot: Path) -> None:
    line = _append_bar(mini_snapshot, "1e308")
    with Store() as store, pytest.raises(DataError, match=rf"BTC\.csv: line {line}: .*close 1e\+308 is above"):
        update(store, ["BTC"], snapshot=mini_snapshot, offline=True)


def test_a_one_bar_jump_is_refused_unless_allowed(mini_snapshot: Path, tmp_path: Path, cli: Cli) -> None:
    last_close = float(pd.read_csv(mini_snapshot / "prices" / "BTC.csv")["close"].iloc[-1])
    line = _append_bar(mini_snapshot, repr(last_close * (JUMP_FACTOR + 1)))
    path = tmp_path / "s.duckdb"
    code, _, err = cli("update", "BTC", "--offline", "--snapshot", str(mini_snapshot), "--store", str(path))
    assert code == 1 and err.count("\n") == 1
    assert f"BTC.csv: line {line}: " in err and "--allow-jumps" in err
    code, _, err = cli(
        "update", "BTC", "--allow-jumps", "--offline", "--snapshot", str(mini_snapshot), "--store", str(path)
    )
    assert code == 0


def test_a_huge_csv_field_is_one_line(tmp_path: Path, cli: Cli) -> None:
    path = tmp_path / "wide.csv"
    path.write_text("date,value\n2020-01-01,1\n2020-01-02," + "9" * 200_000 + "\n")
    code, _, err = cli("import", str(path), "--name", "WIDE", "--store", str(tmp_path / "s.duckdb"))
    assert code == 1 and err.count("\n") == 1 and f"{path}: line 3: " in err


def test_a_two_million_row_import_is_refused_at_the_limit_naming_file_and_line(tmp_path: Path, cli: Cli) -> None:
    path = tmp_path / "big.csv"
    days = pd.date_range("1990-01-01", periods=2_000_000, freq="min").strftime("%Y-%m-%d")
    path.write_text("date,value\n" + "\n".join(f"{d},1" for d in days) + "\n")
    code, _, err = cli("import", str(path), "--name", "BIG", "--store", str(tmp_path / "s.duckdb"))
    assert code == 1 and err.count("\n") == 1
    assert f"{path}: line " in err and f"at most {MAX_ROWS:,}" in err


def test_lag_days_are_bounded(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_text("date,value\n2020-01-01,1\n")
    with Store() as store:
        for lag in (-1, MAX_LAG_DAYS + 1, 99_999_999_999):
            with pytest.raises(ValueError, match=f"lag_days must be a whole number of days from 0 to {MAX_LAG_DAYS}"):
                import_csv(store, path, "FLOWS", lag_days=lag)
        assert store.symbols() == []


def test_the_snapshot_never_revises_what_a_live_provider_wrote(mini_snapshot: Path) -> None:
    from riskcurve.data.providers.base import Fetched
    from riskcurve.data.schema import SeriesMeta

    with Store() as store:
        update(store, ["BTC"], snapshot=mini_snapshot, offline=True)
        bar = store.prices("BTC").loc[["2015-06-01"]] * 1.01  # a live source's (adjusted) view of the day
        store.write([Fetched("BTC", "price", bar, "yahoo", "yahoo:BTC-USD")], {"BTC": SeriesMeta("BTC", "price")})
        again = update(store, ["BTC"], snapshot=mini_snapshot, offline=True)
        assert again.rows_revised == 0
        assert store.prices("BTC").loc["2015-06-01", "close"] == bar["close"].iloc[0]
