"""Validation of everything that enters riskcurve: files, provider responses, user imports.

Validation happens once, here, at the boundary. Every check raises :class:`DataError` naming
the source, the line (for files) or the date (for provider frames), and the symbol, so a user
can open the file and fix it. Validated frames have a naive ``DatetimeIndex`` named ``date``
at midnight, strictly ascending, and float columns.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from riskcurve._typing import PRICE_COLUMNS
from riskcurve.errors import DataError

_TZ_SUFFIX = re.compile(r"(?:[zZ]|[+-]\d{2}:?\d{2})$")
_MISSING = {"", "nan", "NaN", "NA", "null", "None"}


def read_csv_text(path: Path, *, symbol: str | None = None) -> pd.DataFrame:
    """Read a CSV file as strings, rejecting rows whose field count differs from the header.

    Parameters
    ----------
    path
        The file to read.
    symbol
        The symbol the file is meant to hold, for error messages.

    Returns
    -------
    pandas.DataFrame
        All cells as ``str`` (empty string where blank), one column per header field, and a
        ``RangeIndex`` whose label ``i`` is file line ``i + 2``.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise DataError("file not found", source=str(path), symbol=symbol) from None
    except UnicodeDecodeError as exc:
        raise DataError(f"not UTF-8 text ({exc.reason} at byte {exc.start})", source=str(path), symbol=symbol) from None
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or not any(field.strip() for field in rows[0]):
        raise DataError("empty file (no header line)", source=str(path), symbol=symbol)
    header = [field.strip().lower() for field in rows[0]]
    if len(set(header)) != len(header):
        raise DataError(f"duplicate column names in header {rows[0]}", source=str(path), row=1, symbol=symbol)
    body = []
    for number, row in enumerate(rows[1:], start=2):
        if not row:  # csv yields [] for a blank line; a trailing newline is fine
            continue
        if len(row) != len(header):
            raise DataError(
                f"malformed CSV: {len(row)} fields where the header has {len(header)}",
                source=str(path),
                row=number,
                symbol=symbol,
            )
        body.append([field.strip() for field in row])
    frame = pd.DataFrame(body, columns=header, dtype=object)
    frame.attrs["line_numbers"] = True
    return frame


def _as_text(values: pd.Series) -> pd.Series:
    return values.astype(object).where(values.notna(), "").astype(str).str.strip()


class _RowLabels(Sequence[int | str]):
    """Lazily names row ``i`` of a frame: its file line, or its index label (a date)."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self._frame = frame
        self._lines = bool(frame.attrs.get("line_numbers"))

    def __len__(self) -> int:
        return len(self._frame)

    def __getitem__(self, position: Any) -> Any:
        if self._lines:
            return int(position) + 2
        label = self._frame.index[position]
        return label.date().isoformat() if isinstance(label, pd.Timestamp) else str(label)


def parse_dates(
    raw: pd.Series | pd.Index,
    *,
    source: str,
    symbol: str | None,
    labels: Sequence[int | str],
) -> pd.DatetimeIndex:
    """Parse daily dates, rejecting blanks, garbage, timezones and intraday times.

    Parameters
    ----------
    raw
        Strings, dates or timestamps.
    source, symbol
        For error messages.
    labels
        The row label (file line or date) of each element, for error messages.

    Returns
    -------
    pandas.DatetimeIndex
        Naive midnight timestamps named ``date``.
    """
    values = pd.Series(np.asarray(raw, dtype=object))
    if len(values) == 0:
        return pd.DatetimeIndex([], name="date")
    if isinstance(raw, pd.DatetimeIndex) or pd.api.types.is_datetime64_any_dtype(raw.dtype):
        index = pd.DatetimeIndex(raw)
        if index.tz is not None:
            raise DataError(
                f"timezone-aware timestamps ({index.tz}); convert to plain dates first",
                source=source,
                row=labels[0] if len(labels) else None,
                symbol=symbol,
            )
        parsed = pd.Series(index)
    else:
        text = _as_text(values)
        blank = text.isin(_MISSING).to_numpy().nonzero()[0]
        if len(blank):
            raise DataError("date is missing", source=source, row=labels[int(blank[0])], symbol=symbol)
        zoned = (text.str.len().gt(10) & text.str.contains(_TZ_SUFFIX)).to_numpy().nonzero()[0]
        if len(zoned):
            position = int(zoned[0])
            raise DataError(
                f"timezone-aware timestamp {text.iloc[position]!r}; plain dates (YYYY-MM-DD) are expected",
                source=source,
                row=labels[position],
                symbol=symbol,
            )
        parsed = pd.to_datetime(text, format="ISO8601", errors="coerce")
        bad = parsed.isna().to_numpy().nonzero()[0]
        if len(bad):
            position = int(bad[0])
            raise DataError(
                f"cannot parse date {text.iloc[position]!r} (expected YYYY-MM-DD)",
                source=source,
                row=labels[position],
                symbol=symbol,
            )
    intraday = (parsed != parsed.dt.normalize()).to_numpy().nonzero()[0]
    if len(intraday):
        position = int(intraday[0])
        raise DataError(
            f"intraday timestamp {parsed.iloc[position]}; daily dates are expected",
            source=source,
            row=labels[position],
            symbol=symbol,
        )
    index = pd.DatetimeIndex(parsed.to_numpy(dtype="datetime64[ns]"), name="date")
    _check_order(index, source=source, symbol=symbol, labels=labels)
    return index


def _check_order(index: pd.DatetimeIndex, *, source: str, symbol: str | None, labels: Sequence[int | str]) -> None:
    if len(index) < 2:
        return
    steps = np.diff(index.asi8)
    duplicate = (steps == 0).nonzero()[0]
    backwards = (steps < 0).nonzero()[0]
    first_problem = min([*duplicate[:1], *backwards[:1]], default=None)
    if first_problem is None:
        return
    position = int(first_problem) + 1
    day = index[position].date().isoformat()
    if steps[first_problem] == 0:
        message = f"duplicate date {day} (also on the row before)"
    else:
        message = f"date {day} comes after {index[position - 1].date().isoformat()}; dates must ascend"
    raise DataError(message, source=source, row=labels[position], symbol=symbol)


def _parse_numbers(
    raw: pd.Series,
    *,
    column: str,
    required: bool,
    source: str,
    symbol: str | None,
    labels: Sequence[int | str],
) -> np.ndarray:
    if pd.api.types.is_numeric_dtype(raw.dtype):
        numbers = raw.to_numpy(dtype=float)
        blank = np.isnan(numbers)
    else:
        text = _as_text(raw)
        blank = text.isin(_MISSING).to_numpy()
        numbers = pd.to_numeric(text.where(~blank, None), errors="coerce").to_numpy(dtype=float)
        garbage = (np.isnan(numbers) & ~blank).nonzero()[0]
        if len(garbage):
            position = int(garbage[0])
            raise DataError(
                f"{column} {text.iloc[position]!r} is not a number", source=source, row=labels[position], symbol=symbol
            )
    if required and blank.any():
        position = int(blank.nonzero()[0][0])
        raise DataError(f"{column} is missing or NaN", source=source, row=labels[position], symbol=symbol)
    infinite = np.isinf(numbers).nonzero()[0]
    if len(infinite):
        position = int(infinite[0])
        raise DataError(f"{column} is infinite", source=source, row=labels[position], symbol=symbol)
    return numbers


def validate_prices(frame: pd.DataFrame, *, source: str, symbol: str) -> pd.DataFrame:
    """Validate OHLCV bars and return them in canonical form.

    ``close`` is required on every row and must be positive; ``open``, ``high``, ``low`` may be
    blank (close-only sources) but when present must be positive; ``volume`` may be blank but
    not negative. A ``date`` column is used if present, else the index.

    Parameters
    ----------
    frame
        Raw bars (strings from a file, or numbers from a provider).
    source
        File path, URL or provider name, for error messages.
    symbol
        The riskcurve symbol, for error messages.

    Returns
    -------
    pandas.DataFrame
        Index ``date`` (naive, ascending, unique), float columns ``open high low close volume``.

    Raises
    ------
    DataError
        On the first problem found, naming the line or date.
    """
    columns = {str(c).strip().lower(): c for c in frame.columns}
    if "close" not in columns:
        raise DataError(
            f"missing column 'close' (found: {', '.join(map(str, frame.columns)) or 'none'})",
            source=source,
            symbol=symbol,
        )
    labels = _RowLabels(frame)
    if len(frame) == 0:
        raise DataError("no rows", source=source, symbol=symbol)
    raw_dates = frame[columns["date"]] if "date" in columns else frame.index
    index = parse_dates(raw_dates, source=source, symbol=symbol, labels=labels)
    out = {}
    for column in PRICE_COLUMNS:
        if column not in columns:
            out[column] = np.full(len(frame), np.nan)
            continue
        numbers = _parse_numbers(
            frame[columns[column]].reset_index(drop=True),
            column=column,
            required=column == "close",
            source=source,
            symbol=symbol,
            labels=labels,
        )
        floor_ok = numbers >= 0 if column == "volume" else numbers > 0
        bad = (~floor_ok & ~np.isnan(numbers)).nonzero()[0]
        if len(bad):
            position = int(bad[0])
            what = "negative" if column == "volume" else "not positive"
            raise DataError(
                f"{column} {numbers[position]:g} is {what}", source=source, row=labels[position], symbol=symbol
            )
        out[column] = numbers
    return pd.DataFrame(out, index=index, columns=list(PRICE_COLUMNS))


def validate_values(
    frame: pd.DataFrame,
    *,
    source: str,
    symbol: str,
    date_column: str = "date",
    value_column: str = "value",
) -> pd.DataFrame:
    """Validate a one-number-per-date series (macro data, user imports) and return it canonical.

    Values may be negative (spreads, flows) but must be finite and present.

    Parameters
    ----------
    frame
        Raw rows with a date column (or a date index) and a value column.
    source, symbol
        For error messages.
    date_column, value_column
        Column names to use (case-insensitive).

    Returns
    -------
    pandas.DataFrame
        Index ``date`` (naive, ascending, unique), one float column ``value``.
    """
    columns = {str(c).strip().lower(): c for c in frame.columns}
    wanted = value_column.strip().lower()
    if wanted not in columns:
        raise DataError(
            f"missing column {value_column!r} (found: {', '.join(map(str, frame.columns)) or 'none'})",
            source=source,
            symbol=symbol,
        )
    date_key = date_column.strip().lower()
    raw_dates: pd.Series | pd.Index
    if date_key in columns:
        raw_dates = frame[columns[date_key]]
    elif isinstance(frame.index, pd.DatetimeIndex):
        raw_dates = frame.index
    else:
        raise DataError(
            f"missing column {date_column!r} (found: {', '.join(map(str, frame.columns))})",
            source=source,
            symbol=symbol,
        )
    if len(frame) == 0:
        raise DataError("no rows", source=source, symbol=symbol)
    labels = _RowLabels(frame)
    index = parse_dates(raw_dates, source=source, symbol=symbol, labels=labels)
    values = _parse_numbers(
        frame[columns[wanted]].reset_index(drop=True),
        column=value_column,
        required=True,
        source=source,
        symbol=symbol,
        labels=labels,
    )
    return pd.DataFrame({"value": values}, index=index)
