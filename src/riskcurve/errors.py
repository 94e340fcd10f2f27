"""Exceptions and warnings raised by riskcurve.

Every error names what was wrong (the file and line, the symbol, the provider) so
that the CLI can print it as one line and a notebook user can act on it.
"""

from __future__ import annotations


class RiskcurveError(Exception):
    """Base class of every error riskcurve raises on purpose."""


class DataError(RiskcurveError, ValueError):
    """Input data is malformed, inconsistent or impossible (a NaN price, a duplicate date).

    Parameters
    ----------
    message
        What is wrong, in words a user can act on.
    source
        The file, URL or provider the data came from.
    row
        Where in the source: a 1-based file line number or a date label.
    symbol
        The riskcurve symbol the data was meant for.
    """

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        row: int | str | None = None,
        symbol: str | None = None,
    ) -> None:
        self.message = message
        self.source = source
        self.row = row
        self.symbol = symbol
        super().__init__(self._render())

    def _render(self) -> str:
        where = []
        if self.source:
            where.append(str(self.source))
        if self.row is not None:
            where.append(f"line {self.row}" if isinstance(self.row, int) else str(self.row))
        prefix = ": ".join(where)
        subject = f"{self.symbol}: " if self.symbol and self.symbol not in (self.source or "") else ""
        return f"{prefix}: {subject}{self.message}" if prefix else f"{subject}{self.message}"


class UnknownSymbolError(DataError, KeyError):
    """A symbol that no catalogue, provider or store knows."""

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return self._render()


class ProviderError(RiskcurveError):
    """A data provider failed (network, rate limit, garbage response) and gave up.

    Parameters
    ----------
    provider
        The provider's registry name (``"yahoo"``, ``"fred"``...).
    symbol
        The riskcurve symbol being fetched.
    message
        What went wrong on the last attempt.
    """

    def __init__(self, provider: str, symbol: str | None, message: str) -> None:
        self.provider = provider
        self.symbol = symbol
        self.message = message
        target = f" {symbol}" if symbol else ""
        super().__init__(f"{provider}{target}: {message}")


class ClaimFileError(RiskcurveError, ValueError):
    """A claim file that cannot be read: names the file, the line and the field.

    Parameters
    ----------
    file
        The claim file (or ``"<text>"`` for a string).
    line
        1-based line of the offending node, when known.
    field
        Dotted path of the offending field (``claims[3].expects.tolerance``), when known.
    message
        What is wrong.
    """

    def __init__(self, file: str, line: int | None, field: str | None, message: str) -> None:
        self.file = file
        self.line = line
        self.field = field
        self.message = message
        where = f"{file}, line {line}" if line is not None else file
        super().__init__(f"{where}: {field + ': ' if field else ''}{message}")


class StoreError(RiskcurveError):
    """The store file cannot be opened, migrated or written."""


class StoreBusyError(StoreError):
    """Another process held the store for longer than the lock wait (``RISKCURVE_LOCK_TIMEOUT``)."""


class StoreDamagedError(StoreError):
    """The store file is truncated or corrupted; it must be rebuilt or restored."""


class StoreUnavailableError(StoreError):
    """The store file is missing, unreadable, read-only, of another DuckDB version or not DuckDB.

    Unlike :class:`StoreDamagedError`, nothing is wrong with the data: no rebuild is needed.
    """


class OutputError(RiskcurveError):
    """An output file (``--out``) is refused, or could not be written; its message names the file."""


class LookAheadError(RiskcurveError):
    """A computation asked for information that was not known at its date."""


class InsufficientDataWarning(UserWarning):
    """Too little data for a result to mean much; the result is still returned."""


class SameBarExecutionWarning(UserWarning):
    """A backtest executes orders at the close of the bar its signal was computed on (``lag=0``).

    That bar's close is part of the signal, so trading on it assumes a fill the signal could
    not have known in time: look-ahead unless the signal is known before the close.
    """
