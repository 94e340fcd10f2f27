"""What BTC, ETH and the alt basket did next, on days in the current stage against all days.

Forward returns come from :mod:`riskcurve.stats.forward` (the one module that looks forward):
*simple* returns, entered at the close of the bar after the day, over 29, 88 and 176 days of
crypto's every-day calendar (the same windows as 21, 63 and 126 exchange sessions, ``h x 7/5``).
On a day ``D`` only windows that closed by ``D`` (exit bar dated on or before ``D``) are used.
Overlapping windows are not independent: ``n`` counts days, ``spells`` the separate runs of the
stage those days fall in, the better guide to how much evidence there is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from riskcurve._typing import DateLike
from riskcurve.stats.forward import forward_returns

#: Forward windows in calendar days (crypto's bars): 21, 63 and 126 sessions times 7/5.
RETURN_DAYS: tuple[int, ...] = (29, 88, 176)


@dataclass(frozen=True)
class Distribution:
    """Forward simple returns over one window: quartiles, the share positive, how many.

    ``n`` counts days (overlapping windows); ``spells`` the separate runs of the stage they fall
    in (``None`` for all days).
    """

    n: int
    spells: int | None
    median: float | None
    q25: float | None
    q75: float | None
    share_positive: float | None

    @classmethod
    def of(cls, values: np.ndarray, spells: int | None) -> Distribution:
        values = values[np.isfinite(values)]
        if len(values) == 0:
            return cls(0, 0 if spells is not None else None, None, None, None, None)
        q25, median, q75 = (float(v) for v in np.quantile(values, [0.25, 0.5, 0.75]))
        return cls(len(values), spells, median, q25, q75, float((values > 0).mean()))


@dataclass(frozen=True)
class ForwardReturns:
    """One asset and window: the distribution on days in the stage and on all days."""

    asset: str
    days: int
    stage: int | None
    in_stage: Distribution
    all_days: Distribution
    kind: str = "simple"

    def to_dict(self) -> dict[str, Any]:
        """The ``--json`` form."""
        return asdict(self)


class ReturnHistory:
    """Forward returns of each asset by window, with the stage of each entry day.

    Parameters
    ----------
    closes
        Closes by asset, each on its own calendar (no missing values).
    stage
        The stage on each calendar day (-1 when not known), e.g. from
        :class:`~riskcurve.monitor.probabilities.EpisodeHistory`.
    windows
        Windows in bars of each asset's calendar.
    """

    def __init__(self, closes: Mapping[str, pd.Series], stage: pd.Series, windows: Sequence[int] = RETURN_DAYS) -> None:
        self.windows = tuple(int(w) for w in windows)
        self._assets: dict[str, tuple[np.ndarray, np.ndarray, dict[int, tuple[np.ndarray, np.ndarray]]]] = {}
        for asset, close in closes.items():
            close = close.dropna()
            if len(close) < 2:
                continue
            returns = forward_returns(close, self.windows, kind="simple")
            index = pd.DatetimeIndex(close.index)
            stages = stage.reindex(index).fillna(-1).to_numpy(dtype=np.int64)
            stamps = index.to_numpy(dtype="datetime64[ns]")
            per_window: dict[int, tuple[np.ndarray, np.ndarray]] = {}
            for w in self.windows:
                exits = np.full(len(index), np.datetime64("NaT", "ns"), dtype="datetime64[ns]")
                if len(index) > w + 1:
                    exits[: len(index) - w - 1] = stamps[w + 1 :]
                per_window[w] = (returns[w].to_numpy(), exits)
            self._assets[asset] = (stamps, stages, per_window)

    def on(self, day: DateLike, stage: int | None) -> list[ForwardReturns]:
        """The distributions known on ``day`` (windows closed by then), in ``stage`` and on all days."""
        stamp = pd.Timestamp(day).normalize().to_datetime64().astype("datetime64[ns]")
        results = []
        for asset, (_, stages, per_window) in self._assets.items():
            for w in self.windows:
                values, exits = per_window[w]
                valid = exits[~np.isnat(exits)]
                count = int(np.searchsorted(valid, stamp, side="right"))
                closed = values[:count]
                all_days = Distribution.of(closed, None)
                if stage is None:
                    in_stage = Distribution(0, 0, None, None, None, None)
                else:
                    mask = stages[:count] == stage
                    starts = int(np.count_nonzero(mask & ~np.r_[False, mask[:-1]])) if count else 0
                    in_stage = Distribution.of(closed[mask], starts)
                results.append(ForwardReturns(asset, w, stage, in_stage, all_days))
        return results
