"""The dashboard answers bad days and half-made stores with a message, never HTTP 500 (issue 11)."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from riskcurve.dashboard import app as dashboard

REGIME_OUTPUTS = [
    ("regime-as-of", "children"),
    ("regime-note", "children"),
    ("regime-panel", "children"),
    ("figure-cascade-chain", "figure"),
]


def _post_as_of(store: Path, day: str) -> tuple[int, str]:
    app = dashboard.create_app(store)
    client = app.server.test_client()
    payload = {
        "output": ".." + "...".join(f"{i}.{p}" for i, p in REGIME_OUTPUTS) + "..",
        "outputs": [{"id": i, "property": p} for i, p in REGIME_OUTPUTS],
        "inputs": [{"id": "as-of", "property": "value", "value": day}],
        "changedPropIds": ["as-of.value"],
        "state": [],
    }
    answer = client.post("/_dash-update-component", json=payload)
    return answer.status_code, answer.get_data(as_text=True)


def test_a_far_future_day_posted_to_the_callback_is_a_message(filled_store_path: Path) -> None:
    status, body = _post_as_of(filled_store_path, "9999-12-31")
    assert status == 200, body[:500]
    assert (
        "as-of date must be on or before"
        in json.loads(body)["response"]["regime-panel"]["children"]["props"]["children"]
    )


def test_a_store_without_tables_starts_as_an_empty_store(tmp_path: Path) -> None:
    path = tmp_path / "killed.duckdb"
    duckdb.connect(str(path)).close()  # what an update killed in its first second leaves
    app = dashboard.create_app(path)
    layout = app.layout() if callable(app.layout) else app.layout
    assert "CatalogException" not in str(layout)
    status, body = _post_as_of(path, "2024-01-02")
    assert status == 200 and "CatalogException" not in body
