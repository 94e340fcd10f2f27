"""examples/thesis.ipynb runs top to bottom on the snapshot, so it cannot rot.

Executed with nbclient in a kernel of the running interpreter (jupyter_client resolves the
``python3`` kernel to ``sys.executable`` when ipykernel is installed, as in the dev extras), on a
copy of the store filled from the snapshot.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

REPO = Path(__file__).resolve().parents[2]
NOTEBOOK = REPO / "examples" / "thesis.ipynb"


def test_the_thesis_notebook_runs(
    filled_store_path: Path, snapshot_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "thesis.duckdb"
    shutil.copy(filled_store_path, store)
    # The kernel is a child process: it inherits this environment.
    monkeypatch.setenv("RISKCURVE_STORE", str(store))
    monkeypatch.setenv("RISKCURVE_SNAPSHOT", str(snapshot_root))
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    assert all(not cell.get("outputs") for cell in notebook.cells if cell.cell_type == "code"), (
        "commit the notebook without outputs"
    )
    client = NotebookClient(
        notebook, kernel_name="python3", timeout=600, resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()
    html = [
        output["data"]["text/html"]
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if "text/html" in output.get("data", {})
    ]
    text = "\n".join(html)
    # Each step's result showed itself as a card, with the snapshot's numbers, on the data's latest day.
    from riskcurve.data.store import Store
    from riskcurve.signals.regime import default_as_of, regime

    with Store(filled_store_path, read_only=True) as opened:
        day = default_as_of(opened)[0].date()
        stage = regime(opened, day).item("cascade").headline.split(":")[0].split(" (")[0]
    titles = (
        f"Regime as of {day.isoformat()}",
        "Event study: breakout:RUT -&gt; BTC",
        "Lead-lag: RUT -&gt; BTC",
        "Backtest:",
    )
    for title in titles:
        assert title in text, title
    assert stage.startswith("stage ") and stage in text
    assert text.count("riskcurve-result") >= 5  # regime, study, lead-lag, backtest, a claim
