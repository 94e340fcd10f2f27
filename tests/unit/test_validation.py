from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from riskcurve.data.validation import read_csv_text, validate_prices, validate_values
from riskcurve.errors import DataError

HEADER = "date,open,high,low,close,volume\n"


def _prices(tmp_path: Path, body: str, header: str = HEADER) -> pd.DataFrame:
    path = tmp_path / "X.csv"
    path.write_text(header + body)
    return validate_prices(read_csv_text(path, symbol="X"), source=str(path), symbol="X")


def test_valid_file_parses_exactly(tmp_path: Path) -> None:
    frame = _prices(tmp_path, "2020-01-02,1,2,0.5,1.5,100\n2020-01-03,,,,1.25,\n")
    assert list(frame.index.strftime("%Y-%m-%d")) == ["2020-01-02", "2020-01-03"]
    assert frame.loc["2020-01-02", "close"] == 1.5
    assert np.isnan(frame.loc["2020-01-03", "open"]) and np.isnan(frame.loc["2020-01-03", "volume"])
    assert frame.index.name == "date"


def test_floats_round_trip_bit_for_bit(tmp_path: Path) -> None:
    text = "168.97000122070312"
    frame = _prices(tmp_path, f"2020-01-02,,,,{text},\n")
    assert frame["close"].iloc[0] == float(text)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("2020-01-02,1,2,0.5,1.5\n", r"line 2: .*malformed CSV: 5 fields where the header has 6"),
        ("2020-01-02,1,2,0.5,abc,100\n", r"line 2: .*close 'abc' is not a number"),
        ("2020-01-02,1,2,0.5,,100\n", r"line 2: .*close is missing or NaN"),
        ("2020-01-02,1,2,0.5,NaN,100\n", r"line 2: .*close is missing or NaN"),
        ("2020-01-02,1,2,0.5,inf,100\n", r"line 2: .*close is infinite"),
        ("2020-01-02,1,2,0.5,-3,100\n", r"line 2: .*close -3 is not positive"),
        ("2020-01-02,1,2,0.5,0,100\n", r"line 2: .*close 0 is not positive"),
        ("2020-01-02,1,2,0.5,1,-5\n", r"line 2: .*volume -5 is negative"),
        ("2020-01-02,1,2,0.5,1,1\n2020-01-02,1,2,0.5,1,1\n", r"line 3: .*duplicate date 2020-01-02"),
        ("2020-01-03,1,2,0.5,1,1\n2020-01-02,1,2,0.5,1,1\n", r"line 3: .*2020-01-02 comes after 2020-01-03"),
        ("2020-01-02T00:00:00+00:00,1,2,0.5,1,1\n", r"line 2: .*timezone-aware timestamp"),
        ("2020-01-02 00:00:00-05:00,1,2,0.5,1,1\n", r"line 2: .*timezone-aware timestamp"),
        ("2020-01-02 14:30:00,1,2,0.5,1,1\n", r"line 2: .*intraday timestamp"),
        ("02/01/2020x,1,2,0.5,1,1\n", r"line 2: .*cannot parse date"),
        (",1,2,0.5,1,1\n", r"line 2: .*date is missing"),
    ],
)
def test_bad_rows_are_named(tmp_path: Path, body: str, expected: str) -> None:
    with pytest.raises(DataError, match=expected) as caught:
        _prices(tmp_path, body)
    assert str(tmp_path / "X.csv") in str(caught.value)


def test_error_names_the_line_deep_in_the_file(tmp_path: Path) -> None:
    good = "".join(f"2020-01-{d:02d},1,2,0.5,1,1\n" for d in range(1, 11))
    with pytest.raises(DataError, match=r"line 12: .*close 'x' is not a number"):
        _prices(tmp_path, good + "2020-01-11,1,2,0.5,x,1\n")


def test_missing_close_column(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="missing column 'close'"):
        _prices(tmp_path, "2020-01-02,1\n", header="date,price\n")


def test_empty_file_and_header_only(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="empty file"):
        _prices(tmp_path, "", header="")
    with pytest.raises(DataError, match="no rows"):
        _prices(tmp_path, "")


def test_binary_garbage_is_a_data_error(tmp_path: Path) -> None:
    path = tmp_path / "X.csv"
    path.write_bytes(b"\xff\xfe\x00garbage\x9c")
    with pytest.raises(DataError, match="not UTF-8"):
        read_csv_text(path, symbol="X")


def test_provider_frames_name_the_date(tmp_path: Path) -> None:
    frame = pd.DataFrame({"close": [1.0, -2.0]}, index=pd.DatetimeIndex(["2021-03-01", "2021-03-02"], name="date"))
    with pytest.raises(DataError, match=r"yahoo: 2021-03-02: .*close -2 is not positive"):
        validate_prices(frame, source="yahoo", symbol="RUT")


def test_timezone_aware_index_is_rejected() -> None:
    index = pd.DatetimeIndex(["2021-03-01"], tz="America/New_York", name="date")
    with pytest.raises(DataError, match="timezone-aware"):
        validate_prices(pd.DataFrame({"close": [1.0]}, index=index), source="yahoo", symbol="RUT")


def test_values_may_be_negative_but_not_missing(tmp_path: Path) -> None:
    path = tmp_path / "flows.csv"
    path.write_text("Day,Flow\n2024-01-05,-1.5\n2024-01-12,2\n")
    frame = validate_values(read_csv_text(path), source=str(path), symbol="F", date_column="day", value_column="flow")
    assert frame["value"].tolist() == [-1.5, 2.0]
    path.write_text("Day,Flow\n2024-01-05,-1.5\n2024-01-12,\n")
    with pytest.raises(DataError, match=r"line 3: .*flow is missing"):
        validate_values(read_csv_text(path), source=str(path), symbol="F", date_column="day", value_column="flow")


def test_values_missing_value_column(tmp_path: Path) -> None:
    path = tmp_path / "flows.csv"
    path.write_text("date,amount\n2024-01-05,1\n")
    with pytest.raises(DataError, match=r"missing column 'value' \(found: date, amount\)"):
        validate_values(read_csv_text(path), source=str(path), symbol="F")
