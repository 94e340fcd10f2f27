"""The dashboard's track-record panel without a browser: its layout, its callback and its table."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from riskcurve import numbers
from riskcurve.dashboard import track_record as panel
from riskcurve.dashboard.app import create_app
from riskcurve.monitor.track_record import ALL_LINKS


def _ids(component: Any) -> set[str]:
    found = {component.id} if getattr(component, "id", None) else set()
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list | tuple) else [children]:
        if child is not None and not isinstance(child, str | int | float):
            found |= _ids(child)
    return found


def _text(component: Any) -> str:
    if isinstance(component, str | int | float):
        return str(component)
    children = getattr(component, "children", None)
    parts = children if isinstance(children, list | tuple) else [children]
    return " ".join(_text(child) for child in parts if child is not None)


def test_the_panel_is_in_the_layout_and_follows_the_as_of_date(filled_store_path: Path) -> None:
    app = create_app(filled_store_path)
    ids = _ids(app.layout())
    assert {panel.PANEL_ID, "track-record-summary", "figure-reliability", "figure-skill-over-time"} <= ids
    outputs = [key for key in app.callback_map if "track-record-summary.children" in key]
    assert len(outputs) == 1
    assert "figure-reliability.figure" in outputs[0] and "figure-skill-over-time.figure" in outputs[0]
    assert [i["id"] for i in app.callback_map[outputs[0]]["inputs"]] == ["as-of"]


def test_the_summary_and_charts_of_a_day(filled_store) -> None:  # type: ignore[no-untyped-def]
    day = pd.Timestamp("2021-06-30")
    record, drawn = panel._compute(filled_store, day)
    assert not isinstance(drawn, str)
    reliability, skill = drawn
    assert reliability.layout.title.text.startswith("Reliability") and skill.layout.title.text.startswith("Skill")
    assert reliability.layout.meta["riskcurve"]["last"] == "2021-06-30"
    summary = panel._summary(record)
    assert {"track-record-verdict", "track-record-source", "track-record-table"} <= _ids(summary)
    text = _text(summary)
    assert record.verdict in text and "back-filled here in memory" in text
    # One row per horizon, every number in the house style.
    table = panel._table(record)
    pooled = {h: s for (link, h), s in record.scores.items() if link == ALL_LINKS}
    assert _ids(table) >= {f"track-record-row-{h}" for h in pooled}
    for horizon, score in pooled.items():
        assert numbers.count(score.n) in text
        assert numbers.decimal(score.skill, 3, signed=True) in text
        assert score.verdict in text, horizon


def test_a_day_before_anything_closed_says_so_instead_of_drawing(filled_store) -> None:  # type: ignore[no-untyped-def]
    record, drawn = panel._compute(filled_store, pd.Timestamp("2015-10-20"))
    assert record.scored == 0
    assert isinstance(drawn, str) and "no weekly forecast had closed by 2015-10-20" in drawn
    assert "track-record-table" not in _ids(panel._summary(record))
