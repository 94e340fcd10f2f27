"""The cascade monitor: one weekly answer that looks forward (``riskcurve digest``).

The digest (:func:`compute_digest`) says where the cascade stands and since when, what changed
in a week, how likely each dark link is to light within 21, 63 and 126 sessions against its
base rate, what BTC, ETH and the alt basket did next in the same stage, the articles'
confirm/refute checklist, the dated forecasts marked to market, and a verdict from stated rules.
Everything is computed from data known on the digest's day (docs/monitor.md).

This package sits at the statistics level: it reads :mod:`riskcurve.data`,
:mod:`riskcurve.signals` and :mod:`riskcurve.stats`; the command line, the report, the dashboard
and the alerts import it.
"""

from __future__ import annotations

from riskcurve.monitor.checklist import CheckItem, checklist
from riskcurve.monitor.digest import Change, Digest, LinkStatus, Monitor, Stage, compute_digest
from riskcurve.monitor.forecasts import AssetMark, ForecastMark, mark_forecast, mark_forecasts
from riskcurve.monitor.inputs import MonitorInputs, load_inputs
from riskcurve.monitor.probabilities import (
    HORIZONS,
    LEVEL,
    PRIOR_STRENGTH,
    EpisodeHistory,
    LinkProbability,
    jeffreys_interval,
    next_link_probabilities,
    shrink,
)
from riskcurve.monitor.returns import Distribution, ForwardReturns, ReturnHistory
from riskcurve.monitor.verdict import Verdict, verdict

__all__ = [
    "HORIZONS",
    "LEVEL",
    "PRIOR_STRENGTH",
    "AssetMark",
    "Change",
    "CheckItem",
    "Digest",
    "Distribution",
    "EpisodeHistory",
    "ForecastMark",
    "ForwardReturns",
    "LinkProbability",
    "LinkStatus",
    "Monitor",
    "MonitorInputs",
    "ReturnHistory",
    "Stage",
    "Verdict",
    "checklist",
    "compute_digest",
    "jeffreys_interval",
    "load_inputs",
    "mark_forecast",
    "mark_forecasts",
    "next_link_probabilities",
    "shrink",
    "verdict",
]
