"""The dashboard explains its terms as the report does: a walk of what each first-screen panel
and each chart's terms line would put on the page, on the snapshot's default day.

Rule (the report's): a glossary term written with a capital letter (a series id, an acronym) or
a phrase of several words, wherever it is shown, has hover text from ``report/glossary.yaml`` in
the same block: an ``<abbr>`` (or an element with that ``title``) carrying the entry's text.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd
import pytest

from riskcurve.dashboard import app as dashboard
from riskcurve.data.panel import MarketData
from riskcurve.data.release import today
from riskcurve.report import glossary
from riskcurve.signals.regime import default_as_of


def _explained_here(spelling: str) -> bool:
    return any(c.isupper() for c in spelling) or ((" " in spelling or "-" in spelling) and len(spelling) > 4)


def _walk(component: Any) -> tuple[str, set[str]]:
    """A block's visible text, and every hover text in it (``title`` of it or of any element)."""
    if component is None:
        return "", set()
    if isinstance(component, str | int | float):
        return str(component), set()
    if isinstance(component, list | tuple):
        parts = [_walk(child) for child in component]
        return " ".join(p[0] for p in parts), set().union(*(p[1] for p in parts)) if parts else set()
    titles = {component.title} if isinstance(getattr(component, "title", None), str) else set()
    children = getattr(component, "children", None)
    text, inner = _walk(children)
    return text, titles | inner


def _unexplained(block: Any) -> list[str]:
    text, titles = _walk(block)
    missing = []
    for entry in glossary.entries():
        for spelling in entry.spellings:
            shown = re.search(rf"(?<![\w.-]){re.escape(spelling)}(?![\w-])", text)
            if _explained_here(spelling) and shown and entry.text not in titles:
                missing.append(spelling)
    return missing


@pytest.fixture(scope="module")
def screen(filled_store_path):  # type: ignore[no-untyped-def]
    from riskcurve.data.store import Store
    from riskcurve.monitor import compute_digest

    with Store(filled_store_path, read_only=True) as store:
        day = default_as_of(store)[0]
        picture = dashboard._regime(store, day)
        results = dashboard._claims(store, day)
        symbols = frozenset(dashboard.used_symbols(picture))
        fresh = dashboard._freshness(store, day, symbols, today())
        digest = compute_digest(MarketData(store, as_of=day))
        charts = {
            "ratio": dashboard._ratio_figure(store, day),
            "liquidity": dashboard._liquidity_figure(store, day),
            "liquidity-drivers": dashboard._liquidity_drivers_figure(store, day),
            "cycle": dashboard._cycle_figure(store, day),
            "volatility": dashboard._volatility_figure(store, day, "BTC"),
            "forecasts": dashboard._forecasts_figure(store, day),
        }
    return picture, results, fresh, digest, charts


def test_every_first_screen_block_explains_its_terms(screen) -> None:  # type: ignore[no-untyped-def]
    picture, results, fresh, digest, _ = screen
    blocks = {
        "freshness banner": dashboard._freshness_banner(fresh),
        "digest": list(dashboard._digest_panel(digest)),
        "forecasts": dashboard._forecast_block(results),
        "scorecard": dashboard._scorecard(results),
        **{f"regime row {i}": row for i, row in enumerate(dashboard._regime_rows(picture))},
    }
    shown = " ".join(_walk(block)[0] for block in blocks.values())
    # The walk sees real text: series ids and terms the glossary explains are on the first screen.
    assert len(glossary.used_in(shown)) >= 10
    missing = {name: found for name, block in blocks.items() if (found := _unexplained(block))}
    assert not missing, f"terms shown without hover text: {missing}"


def test_every_grade_shown_has_hover_text(screen) -> None:  # type: ignore[no-untyped-def]
    _, results, *_ = screen
    _, titles = _walk(dashboard._scorecard(results))
    for grade in {r.grade for r in results}:
        assert glossary.hover_text(grade) in titles, grade


def test_each_chart_title_s_terms_get_a_line_with_hover_text(screen) -> None:  # type: ignore[no-untyped-def]
    *_, charts = screen
    for name, figure in charts.items():
        title = re.sub(r"<[^>]*>", " ", figure.layout.title.text or "")
        line = dashboard._terms(name, figure)
        expected = {e.text for e in glossary.used_in(title)}
        _, titles = _walk(line)
        assert expected <= titles, (name, title)
    liquidity = re.sub(r"<[^>]*>", " ", charts["liquidity"].layout.title.text)
    assert glossary.used_in(liquidity), liquidity  # a chart whose title names series ids


def test_the_walk_catches_a_term_without_hover_text() -> None:
    from dash import html as dash_html

    bare = dash_html.Div(["net liquidity fell while the TGA rose"])
    assert sorted(_unexplained(bare)) == ["TGA", "net liquidity"]
    explained = dash_html.Div(dashboard.glossed("net liquidity fell while the TGA rose"))
    assert _unexplained(explained) == []
    assert pd.notna(glossary.hover_text("TGA"))
