"""Dates cannot shift on the way in: strict parsing and one documented range everywhere (issue 11)."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from riskcurve.data.ingest import import_csv, update
from riskcurve.data.store import Store
from riskcurve.data.validation import (
    EARLIEST_DATE,
    latest_date,
    parse_day_text,
    read_csv_text,
    validate_prices,
    validate_values,
)
from riskcurve.errors import DataError


def _values(tmp_path: Path, body: str) -> pd.DataFrame:
    path = tmp_path / "y.csv"
    path.write_text("date,value\n" + body)
    return validate_values(read_csv_text(path, symbol="Y"), source=str(path), symbol="Y")


@pytest.mark.parametrize(
    "day",
    [
        "2300-01-01",  # was stored as 1715-06-13
        "1600-01-01",  # was stored as 2184-07-20
        "9999-12-31",  # was stored as 1816-03-29
        "1677-09-21",  # the edges of pandas' nanosecond range: was an OverflowError traceback
        "2262-04-12",
        "1899-12-31",
        "2099-06-01",  # the future
        "the day after the latest accepted",
    ],
)
def test_a_date_outside_the_range_is_refused_naming_file_line_and_value(tmp_path: Path, day: str) -> None:
    if not day[0].isdigit():
        # Worked out as the test runs, not when the module is collected: a run that crosses
        # midnight (UTC) moves the latest accepted day on.
        day = (latest_date() + dt.timedelta(days=1)).isoformat()
    with pytest.raises(DataError) as caught:
        _values(tmp_path, f"2020-01-01,1\n{day},2\n")
    message = str(caught.value)
    assert f"{tmp_path / 'y.csv'}: line 3: " in message and day in message
    assert "1900-01-01" in message and "\n" not in message


def test_the_range_ends_are_accepted_exactly(tmp_path: Path) -> None:
    tomorrow = latest_date()
    frame = _values(tmp_path, f"{EARLIEST_DATE.isoformat()},1\n{tomorrow.isoformat()},2\n")
    assert [d.date() for d in frame.index] == [EARLIEST_DATE, tomorrow]


def test_the_import_reproduction_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "y.csv"
    path.write_text("date,value\n2020-01-01,1\n2300-01-01,2\n")
    with Store() as store:
        with pytest.raises(DataError, match=r"y\.csv: line 3: .*date 2300-01-01 is in the future"):
            import_csv(store, path, "FLOWS_X")
        assert store.symbols() == []


def test_a_far_future_bar_in_a_snapshot_file_is_refused(mini_snapshot: Path, tmp_path: Path) -> None:
    prices = mini_snapshot / "prices" / "BTC.csv"
    lines = prices.read_text().splitlines()
    prices.write_text("\n".join([*lines, "2300-01-01,1,1,1,1,1"]) + "\n")
    with Store() as store:
        with pytest.raises(DataError, match=rf"BTC\.csv: line {len(lines) + 1}: .*2300-01-01"):
            update(store, ["BTC"], snapshot=mini_snapshot, offline=True)
        assert store.symbols() == []


@pytest.mark.parametrize("unit", ["s", "ms", "us"])
def test_provider_frames_in_coarse_units_are_checked_before_any_cast(unit: str) -> None:
    # pandas 3 keeps a frame's own unit; a cast to nanoseconds used to wrap 2300 round to 1715.
    index = pd.DatetimeIndex(np.array(["2020-01-02", "2300-01-01"], dtype=f"datetime64[{unit}]"), name="date")
    with pytest.raises(DataError, match=r"yahoo: 2300-01-01: .*in the future"):
        validate_prices(pd.DataFrame({"close": [1.0, 1.0]}, index=index), source="yahoo", symbol="RUT")


def test_stored_dates_equal_the_dates_read(mini_snapshot: Path) -> None:
    with Store() as store:
        update(store, ["BTC"], snapshot=mini_snapshot, offline=True)
        stored = store.prices("BTC").index
    raw = pd.read_csv(mini_snapshot / "prices" / "BTC.csv", dtype=str)["date"].tolist()
    assert [d.date().isoformat() for d in stored] == raw


@pytest.mark.parametrize("text", ["2020", "20200102", "2020-1-2", "2020-01", "2020-W01-1", "2020-02-30", " ", "x"])
def test_option_dates_are_strict(text: str) -> None:
    with pytest.raises(ValueError, match="is not a date"):
        parse_day_text(text, what="--as-of")


@pytest.mark.parametrize("text", ["9999-12-31", "1600-01-01", "2099-01-01"])
def test_option_dates_are_range_checked(text: str) -> None:
    with pytest.raises(ValueError, match=r"--as-of .* outside the accepted range 1900-01-01 to"):
        parse_day_text(text, what="--as-of")


def test_option_dates_in_range_parse() -> None:
    assert parse_day_text("2020-01-02") == dt.date(2020, 1, 2)


@pytest.mark.parametrize(
    "argv",
    [
        ("regime",),
        ("series", "list"),
        ("series", "show", "BTC"),
        ("backtest", "--rule", "halving"),
        ("watch", "--once", "--no-update"),
    ],
)
@pytest.mark.parametrize("day", ["9999-12-31", "2020", "20200102"])
def test_cli_as_of_out_of_range_is_one_line_and_exit_2(
    cli: Callable[..., tuple[int, str, str]], filled_store_path: Path, tmp_path: Path, argv: tuple[str, ...], day: str
) -> None:
    store = filled_store_path
    if argv[0] == "watch":  # watch writes its state: a copy
        store = tmp_path / "w.duckdb"
        shutil.copy(filled_store_path, store)
    code, out, err = cli(*argv, "--as-of", day, "--store", str(store))
    assert code == 2, err
    assert err.count("\n") == 1 and err.startswith("riskcurve: error: ") and day in err
    assert "Traceback" not in err and out == ""


def test_cli_import_of_a_far_date_is_one_line(cli: Callable[..., tuple[int, str, str]], tmp_path: Path) -> None:
    path = tmp_path / "y.csv"
    path.write_text("date,value\n2020-01-01,1\n2300-01-01,2\n")
    code, _, err = cli("import", str(path), "--name", "FLOWS_X", "--store", str(tmp_path / "s.duckdb"))
    assert code == 1 and err.count("\n") == 1
    assert f"{path}: line 3: " in err and "2300-01-01" in err
