"""The dashboard's stablecoin panel: drawn when the store has the series, explained when it has not."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from riskcurve.dashboard import app as dashboard
from riskcurve.data.store import Store
from riskcurve.report.stablecoins import ABSENT


def _ids(component: Any) -> set[str]:
    found = set()
    if getattr(component, "id", None):
        found.add(component.id)
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list | tuple) else [children]:
        if child is not None and not isinstance(child, str | int | float):
            found |= _ids(child)
    return found


def test_the_layout_has_a_stablecoin_panel(filled_store_path: Path) -> None:
    app = dashboard.create_app(filled_store_path)
    layout = app.layout() if callable(app.layout) else app.layout
    assert "figure-stablecoins" in _ids(layout)


def test_offline_store_says_the_series_is_absent(filled_store_path: Path) -> None:
    with Store(filled_store_path, read_only=True) as store:
        with pytest.raises(ValueError) as caught:
            dashboard._stablecoin_figure(store, pd.Timestamp("2024-06-30"))
        shown = dashboard._figure_or_error(lambda: dashboard._stablecoin_figure(store, pd.Timestamp("2024-06-30")))
    assert str(caught.value) == ABSENT
    assert "not in the store" in str(shown.to_dict())
