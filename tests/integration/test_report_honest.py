"""`report` fails honestly (issue 20, item 7): exit 1 naming each failed section; an empty store is one line."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from riskcurve.data.ingest import update
from riskcurve.data.store import Store

Cli = Callable[..., tuple[int, str, str]]


def test_a_report_with_failed_sections_exits_1_naming_each(cli: Cli, mini_snapshot: Path, tmp_path: Path) -> None:
    store = tmp_path / "mini.duckdb"
    with Store(store) as db:
        update(db, snapshot=mini_snapshot, offline=True)  # RUT, BTC, WALCL, M2SL: most sections lack inputs
    out = tmp_path / "r.html"
    code, stdout, _ = cli("report", "--no-png", "--reps", "10", "--out", str(out), "--store", str(store), "--json")
    assert code == 1
    failed = [entry["section"] for entry in json.loads(stdout)["failed"]]
    assert failed
    code, _, err = cli("report", "--no-png", "--reps", "10", "--out", str(out), "--store", str(store))
    assert code == 1 and out.exists()
    last = err.strip().splitlines()[-1]
    assert last.startswith(f"report incomplete: {len(failed)} section(s) failed: ")
    for section in failed:
        assert f"section {section} could not be built" in err and section in last


def test_an_empty_store_is_one_line(cli: Cli, tmp_path: Path) -> None:
    store = tmp_path / "empty.duckdb"
    with Store(store):
        pass
    out = tmp_path / "r.html"
    code, stdout, err = cli("report", "--no-png", "--out", str(out), "--store", str(store))
    assert code == 1 and stdout == ""
    assert err.strip().splitlines() == [
        f"riskcurve: error: store {store} holds no series: fill it with `riskcurve update` "
        "(or `--snapshot DIR` offline) first"
    ]
    assert not out.exists()
