"""Validation of everything that enters riskcurve: files, provider responses, user imports.

Validation happens once, here, at the boundary. Every check raises :class:`DataError` naming
the source, the line (for files) or the date (for provider frames), and the symbol, so a user
can open the file and fix it. Validated frames have a naive ``DatetimeIndex`` named ``date``
at midnight, strictly ascending, and float columns.

Dates are parsed strictly (``YYYY-MM-DD``, optionally with a midnight time) and must lie in
the documented range: from :data:`EARLIEST_DATE` (1900-01-01) to :func:`latest_date` (the
day of the update, UTC, plus one: a source in Asia may already be on tomorrow). Dates are
checked in day units *before* any conversion to pandas' nanosecond timestamps, whose range
ends in 2262 and whose overflow would otherwise move a date silently to another century.

Prices must be positive, finite, at most :data:`MAX_PRICE`, and may not move by more than a
factor of :data:`JUMP_FACTOR` (up or down) from one bar to the next unless jumps are allowed
(:func:`allowing_jumps`, ``riskcurve update --allow-jumps``): such a bar is almost always a
unit change or a typo, and one of them ruins every volatility and return computed over it.
Files are limited to :data:`MAX_FILE_BYTES` and :data:`MAX_ROWS` data lines, stated up front,
so an oversized file is refused at once instead of filling memory.
"""

from __future__ import annotations

import contextvars
import csv
import datetime as dt
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

import numpy as np
import pandas as pd

from riskcurve import numbers as nf
from riskcurve._typing import PRICE_COLUMNS
from riskcurve.data.limits import EARLIEST_DATE, JUMP_FACTOR, MAX_FIELD_CHARS, MAX_FILE_BYTES, MAX_PRICE, MAX_ROWS
from riskcurve.errors import DataError

_TZ_SUFFIX = re.compile(r"(?:[zZ]|[+-]\d{2}:?\d{2})$")
_MISSING = {"", "nan", "NaN", "NA", "null", "None"}
#: A day, optionally with a time of day (which must then be midnight).
_DAY_TEXT = r"\d{4}-\d{2}-\d{2}(?:[T ](?P<time>\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?))?"

_allow_jumps: contextvars.ContextVar[bool] = contextvars.ContextVar("riskcurve_allow_jumps", default=False)


@contextmanager
def allowing_jumps(allowed: bool = True) -> Iterator[None]:
    """Within this block, price validation accepts one-bar moves beyond :data:`JUMP_FACTOR`.

    A context variable rather than a parameter, because providers validate their own output
    behind the fixed :meth:`~riskcurve.data.providers.base.Provider.fetch` signature.
    """
    token = _allow_jumps.set(allowed)
    try:
        yield
    finally:
        _allow_jumps.reset(token)


def latest_date(today: dt.date | None = None) -> dt.date:
    """The latest date accepted: ``today`` (default: the current UTC day) plus one day."""
    if today is None:
        today = dt.datetime.now(dt.UTC).date()
    return today + dt.timedelta(days=1)


def date_range_text() -> str:
    """The accepted range in words, for messages."""
    return f"{EARLIEST_DATE.isoformat()} to {latest_date().isoformat()} (today, UTC, plus one day)"


def parse_day_text(value: str, *, what: str = "date") -> dt.date:
    """Parse one ``YYYY-MM-DD`` string strictly and check it lies in the accepted range.

    ``2020``, ``20200102``, ``2020-1-2`` and week dates are refused: only the one spelling
    every riskcurve output uses is accepted, so a typo cannot become another day.

    Parameters
    ----------
    value
        The text, e.g. from a command-line option or a dashboard request.
    what
        What the date is, for the message (e.g. ``"--as-of"``).

    Raises
    ------
    ValueError
        Naming ``what``, the value and the accepted form or range.
    """
    text = value.strip() if isinstance(value, str) else value
    if not isinstance(text, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise ValueError(f"{what} {value!r} is not a date; expected YYYY-MM-DD")
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{what} {value!r} is not a date (no such day; expected YYYY-MM-DD)") from None
    if not EARLIEST_DATE <= day <= latest_date():
        raise ValueError(f"{what} {text} is outside the accepted range {date_range_text()}")
    return day


#: Longest line read from a CSV file (characters): far beyond any date,value line.
MAX_LINE_CHARS = 64 * 1024


def _bounded_lines(handle: TextIO, path: Path, symbol: str | None) -> Iterator[str]:
    """The lines of ``handle``, refusing one longer than :data:`MAX_LINE_CHARS` or a total past the file limit."""
    total = 0
    number = 0
    while True:
        line = handle.readline(MAX_LINE_CHARS + 1)
        if not line:
            return
        number += 1
        if len(line) > MAX_LINE_CHARS:
            raise DataError(
                f"a line longer than {MAX_LINE_CHARS:,} characters; is this a CSV?", source=str(path), row=number,
                symbol=symbol,
            )  # fmt: skip
        total += len(line)
        if total > MAX_FILE_BYTES:
            raise DataError(
                f"more than {MAX_FILE_BYTES // 2**20} MB read; riskcurve reads CSV files of at most that size",
                source=str(path),
                symbol=symbol,
            )
        yield line


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
        size = path.stat().st_size
        handle = path.open(encoding="utf-8-sig", newline="")
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        raise DataError("file not found", source=str(path), symbol=symbol) from None
    if size > MAX_FILE_BYTES:
        handle.close()
        raise DataError(
            f"file is {nf.decimal(size / 2**20, 0)} MB; riskcurve reads CSV files of at most "
            f"{MAX_FILE_BYTES // 2**20} MB "
            f"(a daily series since {EARLIEST_DATE.year} is far smaller)",
            source=str(path),
            symbol=symbol,
        )
    # Streamed, so an oversized file is refused at its limit line without being read whole; and
    # line by line with a bound, so a stream with no line breaks (/dev/zero, a FIFO) or one that
    # never ends cannot grow memory without limit (its size on disk, if any, says nothing).
    rows: list[list[str]] = []
    with handle:
        reader = csv.reader(_bounded_lines(handle, path, symbol))
        try:
            for row in reader:
                if len(rows) > MAX_ROWS:
                    raise DataError(
                        f"more than {MAX_ROWS:,} data lines; riskcurve reads at most {MAX_ROWS:,} per file "
                        f"(one a day since {EARLIEST_DATE.year} is fewer than 50,000)",
                        source=str(path),
                        row=reader.line_num,
                        symbol=symbol,
                    )
                if any(len(field) > MAX_FIELD_CHARS for field in row):
                    longest = max(len(field) for field in row)
                    raise DataError(
                        f"a field of {longest:,} characters (at most {MAX_FIELD_CHARS:,} accepted); is this a CSV?",
                        source=str(path),
                        row=reader.line_num,
                        symbol=symbol,
                    )
                rows.append(row)
        except UnicodeDecodeError as exc:
            raise DataError(
                f"not UTF-8 text ({exc.reason}, after line {reader.line_num})", source=str(path), symbol=symbol
            ) from None
        except csv.Error as exc:
            # e.g. a field beyond the csv module's own limit (128 KB), or a NUL byte.
            raise DataError(f"malformed CSV: {exc}", source=str(path), row=reader.line_num, symbol=symbol) from None
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
        # In the frame's own unit: casting to nanoseconds first could overflow and shift a date.
        stamps = index.to_numpy()
        missing = np.isnat(stamps).nonzero()[0]
        if len(missing):
            raise DataError("date is missing", source=source, row=labels[int(missing[0])], symbol=symbol)
        days = stamps.astype("datetime64[D]")
        intraday = (days.astype(stamps.dtype) != stamps).nonzero()[0]
        if len(intraday):
            position = int(intraday[0])
            raise DataError(
                f"intraday timestamp {stamps[position]}; daily dates are expected",
                source=source,
                row=labels[position],
                symbol=symbol,
            )
        shown = [str(day) for day in days]
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
        parts = text.str.extract(f"^{_DAY_TEXT}$")
        unreadable = (~text.str.fullmatch(_DAY_TEXT)).to_numpy().nonzero()[0]
        if len(unreadable):
            position = int(unreadable[0])
            raise DataError(
                f"cannot parse date {text.iloc[position]!r} (expected YYYY-MM-DD)",
                source=source,
                row=labels[position],
                symbol=symbol,
            )
        times = parts["time"].fillna("")
        intraday = (times.str.replace(r"[0:.]", "", regex=True) != "").to_numpy().nonzero()[0]
        if len(intraday):
            position = int(intraday[0])
            raise DataError(
                f"intraday timestamp {text.iloc[position]}; daily dates are expected",
                source=source,
                row=labels[position],
                symbol=symbol,
            )
        shown = text.str.slice(0, 10).tolist()
        days = _calendar_days(shown, source=source, symbol=symbol, labels=labels)
    _check_range(days, shown, source=source, symbol=symbol, labels=labels)
    # Safe now: every day lies well inside pandas' nanosecond range (1677-2262).
    index = pd.DatetimeIndex(days.astype("datetime64[ns]"), name="date")
    _check_order(index, source=source, symbol=symbol, labels=labels)
    return index


def _calendar_days(text: list[str], *, source: str, symbol: str | None, labels: Sequence[int | str]) -> np.ndarray:
    """``YYYY-MM-DD`` strings as ``datetime64[D]`` (a range far wider than nanoseconds')."""
    try:
        return np.array(text, dtype="datetime64[D]")
    except ValueError:
        pass
    for position, day in enumerate(text):  # only on failure: find the impossible day (2021-02-30)
        try:
            np.datetime64(day, "D")
        except ValueError:
            raise DataError(
                f"cannot parse date {day!r}: not a calendar date", source=source, row=labels[position], symbol=symbol
            ) from None
    raise AssertionError("unreachable: numpy refused the dates but accepted each one")  # pragma: no cover


def _check_range(
    days: np.ndarray, shown: Sequence[str], *, source: str, symbol: str | None, labels: Sequence[int | str]
) -> None:
    low = np.datetime64(EARLIEST_DATE, "D")
    high = np.datetime64(latest_date(), "D")
    outside = ((days < low) | (days > high)).nonzero()[0]
    if len(outside):
        position = int(outside[0])
        when = "in the future" if days[position] > high else "too early"
        raise DataError(
            f"date {shown[position]} is {when}: dates must lie in {date_range_text()}",
            source=source,
            row=labels[position],
            symbol=symbol,
        )


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
                f"{column} {nf.significant(numbers[position], 6)} is {what}",
                source=source,
                row=labels[position],
                symbol=symbol,
            )
        if column != "volume":
            huge = (numbers > MAX_PRICE).nonzero()[0]
            if len(huge):
                position = int(huge[0])
                raise DataError(
                    f"{column} {nf.significant(numbers[position], 6)} is above {nf.significant(MAX_PRICE, 6)}, "
                    "the largest price riskcurve accepts",
                    source=source,
                    row=labels[position],
                    symbol=symbol,
                )
        out[column] = numbers
    if not _allow_jumps.get():
        _check_jumps(out["close"], source=source, symbol=symbol, labels=labels)
    return pd.DataFrame(out, index=index, columns=list(PRICE_COLUMNS))


def _check_jumps(close: np.ndarray, *, source: str, symbol: str, labels: Sequence[int | str]) -> None:
    if len(close) < 2:
        return
    ratio = close[1:] / close[:-1]
    jumps = ((ratio > JUMP_FACTOR) | (ratio < 1.0 / JUMP_FACTOR)).nonzero()[0]
    if len(jumps):
        position = int(jumps[0]) + 1
        raise DataError(
            f"close {nf.significant(close[position], 6)} is x{nf.significant(ratio[position - 1], 3)} "
            f"the previous bar's {nf.significant(close[position - 1], 6)}, "
            f"beyond the x{nf.significant(JUMP_FACTOR, 6)} a bar may move (a unit change or a typo?); "
            "use --allow-jumps if it is real",
            source=source,
            row=labels[position],
            symbol=symbol,
        )


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
