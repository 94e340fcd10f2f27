"""The claims pack, checked by a second Python process while the report is built in this one.

A report spends about as long importing its libraries as computing, and checking the claims
pack is a third of the computing; the sections do not need it until the end. Started before
the report's own imports, a second process (``python -P -m riskcurve.report.background``: it
shares nothing with this one but the read-only store file) imports and checks the claims on
the other core meanwhile. ``-P`` keeps the working directory off its ``sys.path`` (a
``duckdb.py`` where the user runs the report is never imported; ``PYTHONPATH`` is still
honoured), and it answers in JSON, which the parent decodes into claim results and nothing else:
no code and no pickle cross between the processes. :func:`riskcurve.report.html.build_report` takes its outcome, and
checks the claims itself if that process could not (it died, or Python could not start it).
Nothing heavy is imported here, so starting it costs this process nothing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import gc
import json
import math
import os
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeAlias, cast

from riskcurve.data.catalog import file_stamp

if TYPE_CHECKING:
    from riskcurve.data.store import Store
    from riskcurve.stats.claims import ClaimResult

__all__ = [
    "ClaimsOutcome",
    "PendingClaims",
    "check_claims",
    "claims_in_background",
    "claims_outcome",
    "decode_outcome",
    "encode_outcome",
]

#: The claims' results, or ``None`` and why they could not be checked (one line).
ClaimsOutcome: TypeAlias = "tuple[Sequence[ClaimResult] | None, str | None]"


def claims_outcome(store: Store, day: dt.date, *, robustness: bool = False) -> ClaimsOutcome:
    """The built-in claims pack checked on ``day``, or ``None`` and why it could not be.

    With ``robustness``, each claim is also re-run under its neighbouring readings
    (``riskcurve report --robustness``). A refusal (bad data, a missing series) is the outcome's
    reason; anything else is raised.
    """
    from riskcurve.errors import RiskcurveError
    from riskcurve.stats.claims import run_claims

    try:
        return run_claims(store, as_of=day, robustness=robustness), None
    except (RiskcurveError, ValueError, KeyError) as error:
        return None, " ".join(str(error).split())


def check_claims(
    store_path: str, as_of: dt.date | None, *, robustness: bool = False
) -> tuple[ClaimsOutcome, list[int] | None]:
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
        return claims_outcome(store, day, robustness=robustness), stamp


class PendingClaims:
    """:func:`check_claims` running in a second process.

    Parameters
    ----------
    store_path, as_of, robustness
        As :func:`check_claims`.
    """

    def __init__(self, store_path: str | os.PathLike[str], as_of: dt.date | None, *, robustness: bool = False) -> None:
        #: Whether the claims are checked with their robustness (the report asks for the same).
        self.robustness = robustness
        # -P: the working directory is not put on the child's path (-I would drop PYTHONPATH too).
        command = [sys.executable, "-P", "-m", __name__, os.fspath(store_path), as_of.isoformat() if as_of else ""]
        if robustness:
            command.append("--robustness")
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
            outcome, read = decode_outcome(out)
            now = file_stamp(store_path)
        except (ValueError, TypeError, KeyError, OSError):
            return None
        if read is None or read != now:
            return None
        return outcome

    def close(self) -> None:
        """Stop the process if it still runs (the report failed before it needed the claims)."""
        if self._process is not None and self._process.returncode is None:  # never collected
            self._process.kill()
            self._process.communicate()


@contextmanager
def claims_in_background(
    store_path: str | os.PathLike[str], as_of: dt.date | None, *, robustness: bool = False
) -> Iterator[PendingClaims]:
    """Start checking the claims in a second process; stop it on the way out if still running.

    Parameters
    ----------
    store_path
        The store file (the second process opens it read-only, as the report does).
    as_of
        The report's day, or ``None`` for the store's last common day.
    robustness
        Also re-run each claim under its neighbouring readings (``report --robustness``).
    """
    pending = PendingClaims(store_path, as_of, robustness=robustness)
    try:
        yield pending
    finally:
        pending.close()


# -- the data-only wire format between the two processes ---------------------------------------
#
# JSON with a few tagged objects, so that what the parent decodes is what the child had: dates,
# timestamps, non-finite floats, tuples and claim results. Anything else fails to encode, and the
# parent then checks the claims itself.

_TAG = "__riskcurve__"


def _encode(value: Any) -> Any:
    from riskcurve.stats.claims import ClaimResult

    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else {_TAG: "float", "v": repr(value)}
    if isinstance(value, ClaimResult):
        fields = {f.name: _encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return {_TAG: "claim", "v": fields}
    if type(value).__module__ == "numpy" and hasattr(value, "item"):
        return _encode(value.item())
    pandas = sys.modules.get("pandas")
    if pandas is not None and value is pandas.NaT:
        return {_TAG: "nat"}
    if pandas is not None and isinstance(value, pandas.Timestamp):
        return {_TAG: "timestamp", "v": value.isoformat()}
    if isinstance(value, dt.datetime):
        return {_TAG: "datetime", "v": value.isoformat()}
    if isinstance(value, dt.date):
        return {_TAG: "date", "v": value.isoformat()}
    if isinstance(value, tuple):
        return {_TAG: "tuple", "v": [_encode(v) for v in value]}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    if isinstance(value, Mapping):
        return {_TAG: "map", "v": [[_encode(k), _encode(v)] for k, v in value.items()]}
    raise TypeError(f"cannot send a {type(value).__name__} between processes")


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    tag = value[_TAG]
    body: Any = value.get("v")
    if tag == "float":
        if body not in ("nan", "inf", "-inf"):
            raise ValueError(f"not a non-finite float: {body!r}")
        return float(body)
    if tag == "nat":
        import pandas as pd

        return pd.NaT
    if tag == "timestamp":
        import pandas as pd

        return pd.Timestamp(body)
    if tag == "datetime":
        return dt.datetime.fromisoformat(body)
    if tag == "date":
        return dt.date.fromisoformat(body)
    if tag == "tuple":
        return tuple(_decode(v) for v in body)
    if tag == "map":
        return {_decode(k): _decode(v) for k, v in body}
    if tag == "claim":
        from riskcurve.stats.claims import ClaimResult

        names = {f.name for f in dataclasses.fields(ClaimResult)}
        if not isinstance(body, dict) or set(body) - names:
            raise ValueError("not a claim result")
        return ClaimResult(**{k: _decode(v) for k, v in body.items()})
    raise ValueError(f"unknown tag {tag!r}")


def encode_outcome(checked: tuple[ClaimsOutcome, list[int] | None]) -> bytes:
    """What the child writes: :func:`check_claims`' answer as JSON (see :func:`decode_outcome`)."""
    (results, reason), stamp = checked
    document = {
        "results": None if results is None else [_encode(r) for r in results],
        "reason": reason,
        "stamp": stamp,
    }
    return json.dumps(document, allow_nan=False).encode("utf-8")


def decode_outcome(payload: bytes) -> tuple[ClaimsOutcome, list[int] | None]:
    """The parent's side of :func:`encode_outcome`; raises ``ValueError`` on anything else."""
    from riskcurve.stats.claims import ClaimResult

    document = json.loads(payload.decode("utf-8"))
    if not isinstance(document, dict):
        raise ValueError("not an outcome")
    raw, reason, stamp = document["results"], document["reason"], document["stamp"]
    results = None if raw is None else [_decode(r) for r in raw]
    if results is not None and not all(isinstance(r, ClaimResult) for r in results):
        raise ValueError("not claim results")
    if reason is not None and not isinstance(reason, str):
        raise ValueError("not a reason")
    if stamp is not None and not (isinstance(stamp, list) and all(isinstance(v, int) for v in stamp)):
        raise ValueError("not a file stamp")
    return cast(ClaimsOutcome, (results, reason)), stamp


def _main(arguments: Sequence[str]) -> None:
    store_path, day, *flags = arguments
    checked = check_claims(store_path, dt.date.fromisoformat(day) if day else None, robustness="--robustness" in flags)
    sys.stdout.buffer.write(encode_outcome(checked))
    sys.stdout.buffer.flush()
    # The report waits for this process to end: skip the final garbage collections (about half a
    # second over everything the claims made); exit handlers still run.
    gc.freeze()


if __name__ == "__main__":
    _main(sys.argv[1:])
