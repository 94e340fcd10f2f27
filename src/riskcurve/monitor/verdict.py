"""One line of verdict on the cascade, from stated rules.

The rules, applied in this order on day ``D`` (stages as read by
:class:`~riskcurve.monitor.probabilities.EpisodeHistory`: the unbroken run of lit links,
known only when every link up to the front is known):

1. **unknown**: the stage is a range on ``D`` (a link up to the front is unknown because its
   data have gone stale): no verdict is drawn from missing data.
2. **refuted**: the stage is lower than :data:`LOOKBACK_DAYS` (28) days earlier: links went
   dark back down the chain.
3. **refuted**: small caps are lit but the crypto links are not all lit (stage 3 or 4), and the
   stage has stood still for more than :data:`FOLLOW_SESSIONS` (63) sessions: crypto did not
   follow within the one to three months the thesis allows.
4. **advancing**: the stage is higher than 28 days earlier, or every link is lit (stage 5).
5. **stalled**: anything else (the stage has not moved in 28 days, and rule 3 does not apply).

"Stood still since" is the first day of the current run of the stage, ignoring days on which the
stage was unknown. When the stage 28 days earlier is unknown, rules 2 and 4 compare with the
last known stage before then.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from riskcurve.monitor.probabilities import EpisodeHistory

Call = Literal["advancing", "stalled", "refuted", "unknown"]

#: Days back the stage is compared with.
LOOKBACK_DAYS = 28
#: Sessions after which a stage from small caps onward that has not advanced refutes the thesis.
FOLLOW_SESSIONS = 63


@dataclass(frozen=True)
class Verdict:
    """The call, the rule that made it (1-5, see the module docstring) and why, in words."""

    call: Call
    rule: int
    reason: str

    def to_dict(self) -> dict[str, Any]:
        """The ``--json`` form."""
        return asdict(self)


def _last_known(stages: np.ndarray, position: int) -> int | None:
    known = np.flatnonzero(stages[: position + 1] >= 0)
    return int(stages[known[-1]]) if len(known) else None


def verdict(history: EpisodeHistory, day: pd.Timestamp, low: int, high: int, stage_text: str) -> Verdict:
    """The verdict on ``day`` from the stage history (see the module docstring for the rules)."""
    if low != high:
        return Verdict("unknown", 1, f"the stage cannot be read: {stage_text}")
    stages = history.stage
    position = history.position(day)
    back = position - LOOKBACK_DAYS
    before = _last_known(stages, back) if back >= 0 else None
    days = history.days
    if before is not None and low < before:
        return Verdict("refuted", 2, f"the chain went backwards: stage {before} {LOOKBACK_DAYS} days ago, {low} now")
    if low in (3, 4):
        other = np.flatnonzero((stages[: position + 1] >= 0) & (stages[: position + 1] != low))
        start = int(other[-1]) + 1 if len(other) else 0
        since = days[start]
        sessions = int(np.busday_count(since.date(), (day + pd.Timedelta(days=1)).date()))
        if sessions > FOLLOW_SESSIONS:
            return Verdict(
                "refuted",
                3,
                f"stage {low} since {since.date()} ({sessions} sessions): crypto has not followed within the "
                f"{FOLLOW_SESSIONS} sessions (3 months) the thesis allows",
            )
    if low == 5:
        return Verdict("advancing", 4, "every link of the chain is lit")
    if before is not None and low > before:
        return Verdict("advancing", 4, f"stage {before} {LOOKBACK_DAYS} days ago, {low} now")
    held = "" if before is None else f" (stage {before} {LOOKBACK_DAYS} days ago)"
    return Verdict("stalled", 5, f"stage {low} has not moved{held}")
