"""The claims pack, checked by a second Python process while the report is built in this one.

A report spends about as long importing its libraries as computing, and checking the claims
pack is a third of the computing; the sections do not need it until the end. Started before
the report's own imports, a second process (``python -m riskcurve.report.background``: it
shares nothing with this one but the read-only store file) imports and checks the claims on
the other core meanwhile. :func:`riskcurve.report.html.build_report` takes its outcome, and
checks the claims itself if that process could not (it died, or Python could not start it).
Nothing heavy is imported here, so starting it costs this process nothing.
"""

from __future__ import annotations

import datetime as dt
import gc
import os
import pickle
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, TypeAlias, cast

from riskcurve.data.catalog import file_stamp

if TYPE_CHECKING:
    from riskcurve.data.store import Store
    from riskcurve.stats.claims import ClaimResult

__all__ = ["ClaimsOutcome", "PendingClaims", "check_claims", "claims_in_background", "claims_outcome"]

#: The claims' results, or ``None`` and why they could not be checked (one line).
ClaimsOutcome: TypeAlias = "tuple[Sequence[ClaimResult] | None, str | None]"


def claims_outcome(store: Store, day: dt.date) -> ClaimsOutcome:
    """The built-in claims pack checked on ``day``, or ``None`` and why it could not be.

    A refusal (bad data, a missing series) is the outcome's reason; anything else is raised.
    """
    from riskcurve.errors import RiskcurveError
    from riskcurve.stats.claims import run_claims

    try:
        return run_claims(store, as_of=day), None
    except (RiskcurveError, ValueError, KeyError) as error:
        return None, " ".join(str(error).split())


def check_claims(store_path: str, as_of: dt.date | None) -> tuple[ClaimsOutcome, list[int] | None]:
    """:func:`claims_outcome` on ``as_of`` (default: the store's last common day), from the file.

    The day and results :func:`riskcurve.report.html.build_report` gets on the same store: it
    opens it read-only too, and defaults the day the same way. Returned with the stamp of the
    file read (:func:`riskcurve.data.catalog.file_stamp`), so the report can tell it read the
    same data.
    """
    from riskcurve.data.store import Store
    from riskcurve.signals.regime import default_as_of

    with Store(store_path, read_only=True) as store:
        stamp = file_stamp(store.path)  # fixed while this connection is open: writers wait
        day = as_of if as_of is not None else default_as_of(store)[0].date()
        return claims_outcome(store, day), stamp


class PendingClaims:
    """:func:`check_claims` running in a second process.

    Parameters
    ----------
    store_path, as_of
        As :func:`check_claims`.
    """

    def __init__(self, store_path: str | os.PathLike[str], as_of: dt.date | None) -> None:
        command = [sys.executable, "-m", __name__, os.fspath(store_path), as_of.isoformat() if as_of else ""]
        self._process: subprocess.Popen[bytes] | None
        try:
            # Its stderr is dropped: if it fails, the report checks the claims itself and says why.
            self._process = subprocess.Popen(
                command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
            )
        except OSError:
            self._process = None  # no interpreter to start (an embedded Python): checked in-process

    def result(self, store_path: str | os.PathLike[str]) -> ClaimsOutcome | None:
        """Wait for the outcome; ``None`` unless it was read from ``store_path`` as it is now.

        ``None`` when the process ended without an outcome, or read the file under another
        stamp (a write came between its reading and the caller's) or under none. The caller
        holds the store open, so the file cannot change while this compares.
        """
        if self._process is None:
            return None
        out, _ = self._process.communicate()
        if self._process.returncode != 0:
            return None
        try:
            outcome, read = pickle.loads(out)  # noqa: S301 - written by our own child process
            now = file_stamp(store_path)
        except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, ImportError, OSError):
            return None
        if read is None or read != now:
            return None
        return cast(ClaimsOutcome, outcome)

    def close(self) -> None:
        """Stop the process if it still runs (the report failed before it needed the claims)."""
        if self._process is not None and self._process.returncode is None:  # never collected
            self._process.kill()
            self._process.communicate()


@contextmanager
def claims_in_background(store_path: str | os.PathLike[str], as_of: dt.date | None) -> Iterator[PendingClaims]:
    """Start checking the claims in a second process; stop it on the way out if still running.

    Parameters
    ----------
    store_path
        The store file (the second process opens it read-only, as the report does).
    as_of
        The report's day, or ``None`` for the store's last common day.
    """
    pending = PendingClaims(store_path, as_of)
    try:
        yield pending
    finally:
        pending.close()


def _main(arguments: Sequence[str]) -> None:
    store_path, day = arguments
    checked = check_claims(store_path, dt.date.fromisoformat(day) if day else None)
    sys.stdout.buffer.write(pickle.dumps(checked, protocol=pickle.HIGHEST_PROTOCOL))
    sys.stdout.buffer.flush()
    # The report waits for this process to end: skip the final garbage collections (about half a
    # second over everything the claims made); exit handlers still run.
    gc.freeze()


if __name__ == "__main__":
    _main(sys.argv[1:])
