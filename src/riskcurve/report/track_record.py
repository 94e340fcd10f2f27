"""The report's and the dashboard's "Track record" panel: how good the digest's probabilities were.

On the day it stands on, the panel scores every weekly next-link probability whose window had
closed by then (:func:`riskcurve.monitor.track_record.weekly_track_record`): the stored
back-fill when the store holds a current one, else a back-fill computed in memory (about a
second; nothing is written). It shows the verdict in one line, a table of the pooled scores per
horizon, the reliability diagram and the skill over time; the numbers equal
``riskcurve track-record --freq W --as-of D`` with the default resamples.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

import pandas as pd
import plotly.graph_objects as go

from riskcurve import numbers
from riskcurve.data.store import Store
from riskcurve.monitor.track_record import ALL_LINKS, COMPUTED, SEED, TrackRecord, reliability_tables, skill_curves
from riskcurve.report.figures.track_record import reliability_chart, skill_over_time_chart
from riskcurve.report.tables import Column, html_table

if TYPE_CHECKING:
    from riskcurve.monitor.digest import Monitor

__all__ = [
    "LEAD",
    "SCORE_COLUMNS",
    "score_rows",
    "source_text",
    "track_record_figures",
    "track_record_html",
    "track_record_section",
    "verdict_text",
]

LEAD = (
    "If the digest had given its next-link probabilities every Friday since the chain could first be read, "
    "would they have beaten the base rate known on the same day? Each probability is scored once its window "
    "has closed (Brier score; skill = 1 - Brier / Brier of the base rate), with 95% intervals from a block "
    "bootstrap over weeks. Only forecasts issued and resolved by this day count: the record is the one known then."
)


def _three(value: Any) -> str:
    return numbers.decimal(value, 3)


def _signed(value: Any) -> str:
    return numbers.decimal(value, 3, signed=True)


SCORE_COLUMNS = (
    Column("horizon", "horizon (sessions)", numbers.count),
    Column("n", "forecasts scored", numbers.count),
    Column("observed", "share that lit", lambda v: numbers.percent(v, 0)),
    Column("brier", "Brier", _three),
    Column("brier_base", "Brier of the base rate", _three),
    Column("skill", "Brier skill", _signed),
    Column("interval", "95% interval of the skill", numeric=False),
    Column("verdict", "verdict", numeric=False),
)


def score_rows(record: TrackRecord) -> list[dict[str, Any]]:
    rows = []
    for (link, horizon), score in record.scores.items():
        if link != ALL_LINKS:
            continue
        low, high = _signed(score.skill_low), _signed(score.skill_high)
        rows.append(
            {
                "horizon": horizon,
                "n": score.n,
                "observed": score.events / score.n if score.n else None,
                "brier": score.brier,
                "brier_base": score.brier_reference,
                "skill": score.skill,
                "interval": f"{low} to {high}" if low and high else "none (too few closed forecasts)",
                "verdict": score.verdict,
            }
        )
    return rows


def verdict_text(record: TrackRecord) -> str:
    """The verdict in one sentence, with what it rests on."""
    if record.scored == 0:
        return f"Track record as of {record.as_of}: {record.verdict}."
    return (
        f"Track record as of {record.as_of}: {record.verdict}; {numbers.count(record.scored)} forecasts scored "
        f"from {numbers.count(record.digests)} weekly digests, {numbers.count(record.pending)} still open."
    )


def source_text(record: TrackRecord) -> str:
    """Where the digests came from: the stored back-fill, or one computed for this panel."""
    if record.digests == 0:
        return "There is no weekly digest to score yet."
    span = f"the {numbers.count(record.digests)} Friday digests from {record.first} to {record.last}"
    if record.source == COMPUTED:
        return (
            f"The store holds no current weekly back-fill, so {span} were back-filled here in memory, each from the "
            "data known on its day (`riskcurve digest --history` stores them; `riskcurve track-record` then prints "
            "the same scores)."
        )
    return (
        f"Scored from {span} stored by `riskcurve digest --history` (computed by this version of the code from the "
        "data the store holds now)."
    )


def _issued_span(record: TrackRecord) -> tuple[str, str]:
    issued = pd.DatetimeIndex(record.scored_forecasts["as_of"])
    return issued.min().date().isoformat(), issued.max().date().isoformat()


def track_record_figures(record: TrackRecord, *, seed: int = SEED) -> tuple[go.Figure, go.Figure]:
    """The reliability diagram and the skill over time of ``record``.

    Raises
    ------
    ValueError
        If nothing has been scored by the record's day (the figures would be empty).
    """
    if record.scored == 0:
        raise ValueError(f"no weekly forecast had closed by {record.as_of}: there is no track record to draw yet")
    first, issued = _issued_span(record)
    last = record.as_of.isoformat()
    note = f"As of {last}: forecasts issued {first} to {issued} whose window had closed by then."
    reliability = reliability_chart(reliability_tables(record), first=first, last=last, note=note)
    skill = skill_over_time_chart(skill_curves(record, seed=seed), first=first, last=last, note=note)
    return reliability, skill


def track_record_html(record: TrackRecord) -> str:
    """The verdict line, where the digests came from, and the pooled scores per horizon, as HTML."""
    table = html_table(score_rows(record), SCORE_COLUMNS) if record.scored else ""
    return (
        f"<p class='verdict' id='track-record-verdict'>{html.escape(verdict_text(record))}</p>"
        f"<p class='small'>{html.escape(source_text(record))}</p>{table}"
    )


def track_record_section(
    store: Store, as_of: Any, *, monitor: Monitor | None = None, seed: int = SEED
) -> tuple[tuple[go.Figure, ...], tuple[str, ...]]:
    """The report's section: both charts, and the verdict, source and score table as one block.

    Parameters
    ----------
    store
        The store (read-only is enough).
    as_of
        The report's day.
    monitor
        A monitor built on that day with ``claims=[]``, when the caller has one.
    seed
        The bootstrap's seed (the resamples are the track record's own).
    """
    from riskcurve.monitor.track_record import weekly_track_record

    record = weekly_track_record(store, as_of, monitor=monitor, seed=seed)
    if record.scored == 0:
        return (), (track_record_html(record),)
    return track_record_figures(record, seed=seed), (track_record_html(record),)
