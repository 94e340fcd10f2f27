"""The digest back-filled over the history, each day from what was known on it, and stored.

:func:`backfill` answers "what would the digest have said every Friday (or every day) since the
chain could first be read?". It builds one :class:`~riskcurve.monitor.digest.Monitor` on the
last day (every signal computed once over the history, see :mod:`riskcurve.signals.timeline`)
and reads each day from it. What it keeps of each day's digest is its *core*: the stage, each
link's state (since when, data through, stale inputs), the verdict and the next-link
probabilities with their episode counts, intervals and base rates; the same figures, in the same
form, as ``riskcurve digest --json`` shows for that day (tests/property/test_history_truncation.py
checks that a stored day equals the digest computed on a store cut at that day, on random days).

Out of sample by construction: the probability stored for day ``t`` counts only episodes whose
windows had closed by ``t`` (:class:`~riskcurve.monitor.probabilities.EpisodeHistory`), so no
outcome after ``t`` enters it; :mod:`riskcurve.monitor.track_record` scores it later against
what happened after ``t``.

Every stored day is stamped with the code version (:func:`code_version`: the package version and
a hash of the monitor's and the signals' source) and a fingerprint of the data read
(:func:`data_fingerprint`), so a track record can tell rows computed from other data or code.
The rows live in the store's ``digest_history`` and ``digest_forecasts`` tables (migration 4);
a back-fill replaces the days it computes, in one transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from riskcurve import numbers
from riskcurve._typing import DateLike
from riskcurve.data.panel import MarketData
from riskcurve.data.providers.base import utc_now
from riskcurve.data.release import knowledge_cutoff
from riskcurve.data.store import Store
from riskcurve.errors import DataError, StoreError
from riskcurve.signals.cascade import LINKS

if TYPE_CHECKING:
    from riskcurve.monitor.digest import Monitor

__all__ = [
    "Backfill",
    "Freq",
    "backfill",
    "code_version",
    "data_fingerprint",
    "first_readable_day",
    "history_days",
    "load_forecasts",
    "load_history",
]

Freq = Literal["W", "D"]
_STATE_NAMES = {1: "lit", 0: "dark", -1: "unknown"}


# -- stamps -----------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def code_version() -> str:
    """The package version and a hash of the source the back-fill runs (monitor, signals, stats).

    Two back-fills with the same stamp ran the same code; a changed signal definition or
    estimator changes it.
    """
    import riskcurve

    root = Path(riskcurve.__file__).parent
    digest = hashlib.sha256()
    for folder in ("monitor", "signals", "stats"):
        for path in sorted((root / folder).rglob("*.py")):
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(path.read_bytes())
    return f"{riskcurve.__version__}+{digest.hexdigest()[:12]}"


def data_fingerprint(store: Store, as_of: DateLike) -> str:
    """A hash of every row the store knew by the end of ``as_of``: what a back-fill to that day read.

    Prices dated up to ``as_of`` and macro vintages published by its end, per symbol: the count,
    the first and last date, and the sum of the values (closes, or values), so any added,
    removed or revised row changes it.
    """
    day = pd.Timestamp(as_of).normalize()
    prices = store.connection.execute(
        "SELECT symbol, count(*), min(date), max(date), sum(close), sum(coalesce(volume, 0)) "
        "FROM prices WHERE date <= ? GROUP BY symbol ORDER BY symbol",
        [day.date()],
    ).fetchall()
    values = store.connection.execute(
        "SELECT symbol, count(*), min(date), max(date), sum(value), max(available_at) "
        "FROM observations WHERE available_at <= ? GROUP BY symbol ORDER BY symbol",
        [knowledge_cutoff(day).to_pydatetime()],
    ).fetchall()
    text = repr((prices, values)).encode()
    return hashlib.sha256(text).hexdigest()[:16]


# -- which days -------------------------------------------------------------------------------


def first_readable_day(states: pd.DataFrame) -> pd.Timestamp:
    """The first day on which every link of the chain has a known state (lit or dark).

    Raises
    ------
    DataError
        If there is no such day.
    """
    known = (states[list(LINKS)] != -1).all(axis=1)
    if not known.any():
        raise DataError("the chain cannot be read on any day: some link has no data throughout")
    return pd.Timestamp(pd.DatetimeIndex(known.index)[int(np.argmax(known.to_numpy()))])


def history_days(start: pd.Timestamp, end: pd.Timestamp, freq: Freq) -> pd.DatetimeIndex:
    """Every Friday (``"W"``) or every calendar day (``"D"``) from ``start`` to ``end``."""
    if freq not in ("W", "D"):
        raise ValueError(f"freq must be 'W' (Fridays) or 'D' (every day), got {freq!r}")
    return pd.date_range(start, end, freq="W-FRI" if freq == "W" else "D", name="date")


# -- the core of each day's digest --------------------------------------------------------------


def _run_starts(codes: np.ndarray) -> np.ndarray:
    """For each position, where the current run of equal codes began."""
    if len(codes) == 0:
        return np.zeros(0, dtype=np.int64)
    change = np.r_[True, codes[1:] != codes[:-1]]
    return np.maximum.accumulate(np.where(change, np.arange(len(codes)), 0))


def _iso(value: Any) -> str | None:
    return None if pd.isna(value) else pd.Timestamp(value).date().isoformat()


def _beta_ppf(q: float, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    from scipy.stats import beta

    out = np.full(len(a), np.nan)
    ok = (a > 0) & (b > 0)
    out[ok] = beta.ppf(q, a[ok], b[ok])
    return out


def _probabilities(rows: list[dict[str, Any]], prior: float, level: float) -> None:
    """Fill in raw and shrunk figures with their intervals, vectorised over every row.

    The same formulas as :func:`~riskcurve.monitor.probabilities.jeffreys_interval` and
    :func:`~riskcurve.monitor.probabilities.shrink`, on arrays: one scipy call for all days.
    """
    if not rows:
        return
    k = np.array([r["lit"] for r in rows], dtype=float)
    n = np.array([r["episodes"] for r in rows], dtype=float)
    base = np.array([np.nan if r["base_rate"] is None else r["base_rate"] for r in rows], dtype=float)
    tail = (1.0 - level) / 2.0
    jeff_low = np.where(k == 0, 0.0, _beta_ppf(tail, k + 0.5, n - k + 0.5))
    jeff_high = np.where(k == n, 1.0, _beta_ppf(1.0 - tail, k + 0.5, n - k + 0.5))
    p0 = np.clip(base, 1e-3, 1 - 1e-3)
    a = k + prior * p0
    b = n - k + prior * (1.0 - p0)
    mean = (k + prior * base) / (n + prior)
    low, high = _beta_ppf(tail, a, b), _beta_ppf(1.0 - tail, a, b)
    for i, row in enumerate(rows):
        has = row["episodes"] > 0
        row["raw"] = float(k[i] / n[i]) if has else None
        row["raw_low"] = float(jeff_low[i]) if has else None
        row["raw_high"] = float(jeff_high[i]) if has else None
        shrunk = row["base_rate"] is not None
        row["shrunk"] = float(mean[i]) if shrunk else None
        row["shrunk_low"] = float(low[i]) if shrunk else None
        row["shrunk_high"] = float(high[i]) if shrunk else None


def core_records(monitor: Monitor, days: pd.DatetimeIndex) -> list[dict[str, Any]]:
    """The core of the digest of each of ``days``, read from ``monitor`` (built on a later day).

    Parameters
    ----------
    monitor
        A :class:`~riskcurve.monitor.digest.Monitor` whose last day is on or after every day.
    days
        The days, ascending.

    Returns
    -------
    list of dict
        One per day: ``as_of``, ``stage``, ``links``, ``verdict`` and ``probabilities``, each in
        the form of the same key of :meth:`~riskcurve.monitor.digest.Digest.to_dict`.
    """
    from riskcurve.monitor.digest import LINK_LABELS, _stage_text
    from riskcurve.monitor.verdict import verdict

    episodes = monitor.episodes
    states = monitor.inputs.states
    index = pd.DatetimeIndex(states.index)
    codes = {link: states[link].to_numpy() for link in LINKS}
    starts = {link: _run_starts(codes[link]) for link in LINKS}
    through = {link: monitor.inputs.through[link].to_numpy() for link in LINKS}
    stale = {link: monitor.inputs.stale[link].to_numpy() for link in LINKS}
    stages = episodes.stage
    probability_rows: list[dict[str, Any]] = []
    records: list[dict[str, Any]] = []
    for day in days:
        position = episodes.position(day)
        links = []
        for link in LINKS:
            code = int(codes[link][position])
            links.append(
                {
                    "link": link,
                    "label": LINK_LABELS[link],
                    "state": _STATE_NAMES[code],
                    "since": index[starts[link][position]].date().isoformat(),
                    "through": _iso(through[link][position]),
                    "stale": str(stale[link][position]),
                }
            )
        lit = [entry["state"] == "lit" for entry in links]
        maybe = [entry["state"] != "dark" for entry in links]
        low = lit.index(False) if False in lit else len(LINKS)
        high = maybe.index(False) if False in maybe else len(LINKS)
        since = None
        if low == high:
            since = _stage_since(stages, position, low, index)
        text = _stage_text(low, high, _Links(links))
        call = verdict(episodes, day, low, high, text)
        record: dict[str, Any] = {
            "as_of": day.date().isoformat(),
            "stage": {"low": low, "high": high, "text": text, "since": since},
            "links": links,
            "verdict": call.to_dict(),
            "probabilities": [],
        }
        stage = low if low == high else None
        for entry in links:
            if entry["state"] != "dark":
                continue
            for h in episodes.horizons:
                base_days, base_lit = episodes._base[(entry["link"], h)].on(position)
                counts = episodes._episodes.get((entry["link"], stage, h)) if stage is not None else None
                n, k = counts.on(position) if counts is not None else (0, 0)
                row = {
                    "link": entry["link"],
                    "horizon": h,
                    "stage": stage,
                    "episodes": n,
                    "lit": k,
                    "base_rate": base_lit / base_days if base_days else None,
                    "base_days": base_days,
                    "base_lit": base_lit,
                    "prior_strength": episodes.prior_strength,
                    "level": episodes.level,
                }
                record["probabilities"].append(row)
                probability_rows.append(row)
        records.append(record)
    _probabilities(probability_rows, episodes.prior_strength, episodes.level)
    order = [
        "link", "horizon", "stage", "episodes", "lit", "raw", "raw_low", "raw_high", "base_rate",
        "base_days", "base_lit", "shrunk", "shrunk_low", "shrunk_high", "prior_strength", "level",
    ]  # fmt: skip
    for record in records:
        record["probabilities"] = [{key: row[key] for key in order} for row in record["probabilities"]]
    return records


class _Links(list[Any]):
    """Link dicts read with attribute access, as :func:`_stage_text` reads ``LinkStatus``."""

    def __init__(self, links: Sequence[dict[str, Any]]) -> None:
        super().__init__(_Attributes(entry) for entry in links)


class _Attributes(dict[str, Any]):
    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def _stage_since(stages: np.ndarray, position: int, low: int, index: pd.DatetimeIndex) -> str | None:
    # As Monitor._stage: the first day after the last known day with another stage.
    upto = stages[: position + 1]
    other = np.flatnonzero((upto >= 0) & (upto != low))
    after_from = int(other[-1]) + 1 if len(other) else 0
    candidates = np.flatnonzero(upto[after_from:] == low)
    return index[after_from + int(candidates[0])].date().isoformat() if len(candidates) else None


# -- the back-fill ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Backfill:
    """What :func:`backfill` computed and stored.

    Attributes
    ----------
    start, end
        The first and last day computed.
    freq
        ``"W"`` (Fridays) or ``"D"`` (every day).
    days
        Digests stored.
    forecasts
        Next-link probabilities stored with them.
    first_readable
        The first day every link of the chain could be read.
    code_version, data_fingerprint
        The stamps on every stored row.
    seconds
        Wall-clock time of the computation and the write.
    """

    start: dt.date
    end: dt.date
    freq: Freq
    days: int
    forecasts: int
    first_readable: dt.date
    code_version: str
    data_fingerprint: str
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        """The ``riskcurve digest --history --json`` schema."""
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "freq": self.freq,
            "days": self.days,
            "forecasts": self.forecasts,
            "first_readable": self.first_readable.isoformat(),
            "code_version": self.code_version,
            "data_fingerprint": self.data_fingerprint,
            "seconds": self.seconds,
        }

    def summary(self) -> str:
        """One line for a human."""
        every = "Friday" if self.freq == "W" else "day"
        return (
            f"stored {self.days} digests (every {every} {self.start.isoformat()} to {self.end.isoformat()}) "
            f"with {self.forecasts} next-link probabilities in {numbers.decimal(self.seconds, 1)} s; "
            f"code {self.code_version}, data {self.data_fingerprint}"
        )


def build_monitor(store: Store, end: pd.Timestamp) -> Monitor:
    """A monitor of every signal computed once over the history known on ``end``."""
    from riskcurve.monitor.digest import Monitor
    from riskcurve.monitor.inputs import load_inputs

    return Monitor(load_inputs(MarketData(store, as_of=end), claims=[]), claims=[])


def backfill(
    store: Store,
    *,
    start: DateLike | None = None,
    end: DateLike | None = None,
    freq: Freq = "W",
    monitor: Monitor | None = None,
) -> Backfill:
    """Compute the digest's core for every Friday (or day) and store it.

    Parameters
    ----------
    store
        A writable store.
    start
        The first day (default: the first day every link of the chain can be read).
    end
        The last day (default: today, or the store's last common day of RUT, GSPC and BTC).
    freq
        ``"W"``: every Friday; ``"D"``: every calendar day.
    monitor
        A monitor built on ``end`` or later (built here when ``None``).

    Returns
    -------
    Backfill

    Raises
    ------
    StoreError
        If the store is read-only.
    DataError
        If the store lacks the cascade's inputs, or no day falls between ``start`` and ``end``.
    """
    from riskcurve.signals.regime import default_as_of

    if store.read_only:
        raise StoreError(f"store {store.path} is open read-only; the back-fill writes its history into it")
    if freq not in ("W", "D"):
        raise ValueError(f"freq must be 'W' (Fridays) or 'D' (every day), got {freq!r}")
    began = time.perf_counter()
    last = pd.Timestamp(end).normalize() if end is not None else default_as_of(store)[0]
    if monitor is None:
        monitor = build_monitor(store, last)
    if monitor.as_of < last:
        raise ValueError(f"the monitor ends on {monitor.as_of.date()}, before the back-fill's end {last.date()}")
    readable = first_readable_day(monitor.inputs.states)
    first = pd.Timestamp(start).normalize() if start is not None else readable
    first = max(first, pd.Timestamp(monitor.inputs.states.index[0]))
    days = history_days(first, last, freq)
    if len(days) == 0:
        raise DataError(f"no {'Friday' if freq == 'W' else 'day'} between {first.date()} and {last.date()}")
    records = core_records(monitor, days)
    stamp, fingerprint = code_version(), data_fingerprint(store, last)
    count = _write(store, records, stamp, fingerprint)
    return Backfill(
        start=days[0].date(),
        end=days[-1].date(),
        freq=freq,
        days=len(records),
        forecasts=count,
        first_readable=readable.date(),
        code_version=stamp,
        data_fingerprint=fingerprint,
        seconds=time.perf_counter() - began,
    )


def _write(store: Store, records: Sequence[dict[str, Any]], stamp: str, fingerprint: str) -> int:
    now = utc_now().to_pydatetime()
    history = pd.DataFrame(
        {
            "as_of": pd.to_datetime([r["as_of"] for r in records]).date,
            "stage_low": [r["stage"]["low"] for r in records],
            "stage_high": [r["stage"]["high"] for r in records],
            "states": [json.dumps({e["link"]: e["state"] for e in r["links"]}) for r in records],
            "verdict": [r["verdict"]["call"] for r in records],
            "digest": [json.dumps(r, allow_nan=False) for r in records],
            "code_version": stamp,
            "data_fingerprint": fingerprint,
            "computed_at": now,
        }
    )
    forecasts = pd.DataFrame(
        [
            (
                r["as_of"],
                p["link"],
                p["horizon"],
                p["stage"],
                p["episodes"],
                p["shrunk"],
                p["raw"],
                p["base_rate"],
                p["shrunk_low"],
                p["shrunk_high"],
            )  # fmt: skip
            for r in records
            for p in r["probabilities"]
        ],
        columns=["as_of", "link", "horizon", "stage", "episodes", "probability", "raw", "base_rate", "low", "high"],
    )
    forecasts["as_of"] = pd.to_datetime(forecasts["as_of"]).dt.date
    forecasts = forecasts.astype({"stage": "Int64", "episodes": "int64", "horizon": "int64"})
    con = store.connection
    with store.transaction():
        con.register("new_history", history)
        con.register("new_forecasts", forecasts)
        try:
            con.execute("DELETE FROM digest_forecasts WHERE as_of IN (SELECT as_of FROM new_history)")
            con.execute("DELETE FROM digest_history WHERE as_of IN (SELECT as_of FROM new_history)")
            con.execute(
                "INSERT INTO digest_history SELECT as_of, stage_low, stage_high, states, verdict, digest, "
                "code_version, data_fingerprint, computed_at FROM new_history"
            )
            con.execute(
                "INSERT INTO digest_forecasts SELECT as_of, link, horizon, stage, episodes, probability, raw, "
                "base_rate, low, high FROM new_forecasts"
            )
        finally:
            con.unregister("new_history")
            con.unregister("new_forecasts")
    return len(forecasts)


# -- reading it back ------------------------------------------------------------------------------


def load_history(store: Store, *, start: DateLike | None = None, end: DateLike | None = None) -> pd.DataFrame:
    """The stored digests, one row per day (``as_of`` index), their core as a dict in ``digest``."""
    rows = store.connection.execute(
        "SELECT as_of, stage_low, stage_high, verdict, digest, code_version, data_fingerprint, computed_at "
        "FROM digest_history WHERE (? IS NULL OR as_of >= ?) AND (? IS NULL OR as_of <= ?) ORDER BY as_of",
        _range(start, end),
    ).fetchdf()
    rows["as_of"] = pd.to_datetime(rows["as_of"])
    rows["digest"] = [json.loads(text) for text in rows["digest"]]
    return rows.set_index("as_of")


def load_forecasts(store: Store, *, start: DateLike | None = None, end: DateLike | None = None) -> pd.DataFrame:
    """Every stored next-link probability with the stamps of its digest."""
    frame = store.connection.execute(
        "SELECT f.as_of, f.link, f.horizon, f.stage, f.episodes, f.probability, f.raw, f.base_rate, f.low, f.high, "
        "h.code_version, h.data_fingerprint FROM digest_forecasts f JOIN digest_history h USING (as_of) "
        "WHERE (? IS NULL OR f.as_of >= ?) AND (? IS NULL OR f.as_of <= ?) ORDER BY f.as_of, f.link, f.horizon",
        _range(start, end),
    ).fetchdf()
    frame["as_of"] = pd.to_datetime(frame["as_of"])
    return frame


def _range(start: DateLike | None, end: DateLike | None) -> list[Any]:
    first = None if start is None else pd.Timestamp(start).date()
    last = None if end is None else pd.Timestamp(end).date()
    return [first, first, last, last]
