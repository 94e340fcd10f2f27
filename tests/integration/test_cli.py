"""The command line on the real snapshot: the contract scripts rely on."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import duckdb
import pandas as pd

from riskcurve.data.release import knowledge_cutoff


def test_series_list_matches_snapshot_files(
    cli: Callable[..., tuple[int, str, str]], filled_store_path: Path, snapshot_root: Path
) -> None:
    code, out, _ = cli("series", "list", "--store", str(filled_store_path), "--json")
    assert code == 0
    listed = {row["symbol"]: row for row in json.loads(out)["series"]}
    files = sorted([*snapshot_root.glob("prices/*.csv"), *snapshot_root.glob("macro/*.csv")])
    assert set(listed) == {f.stem for f in files}
    for file in files:
        frame = pd.read_csv(file)
        row = listed[file.stem]
        assert row["rows"] == len(frame), file.stem
        assert row["first_date"] == frame["date"].iloc[0], file.stem
        assert row["last_date"] == frame["date"].iloc[-1], file.stem
        assert row["providers"] == ["snapshot"]


def test_series_show_returns_snapshot_closes_exactly(
    cli: Callable[..., tuple[int, str, str]], filled_store_path: Path, snapshot_root: Path
) -> None:
    code, out, _ = cli("series", "show", "RUT", "--store", str(filled_store_path), "--json")
    assert code == 0
    payload = json.loads(out)
    expected = pd.read_csv(snapshot_root / "prices" / "RUT.csv", dtype=str)
    assert payload["rows"] == len(expected)
    assert [r["date"] for r in payload["data"]] == expected["date"].tolist()
    assert [r["close"] for r in payload["data"]] == [float(v) for v in expected["close"]]


def test_walcl_as_of_never_returns_unpublished_values(
    cli: Callable[..., tuple[int, str, str]], filled_store_path: Path
) -> None:
    code, out, _ = cli("series", "show", "WALCL", "--as-of", "2020-03-18", "--store", str(filled_store_path), "--json")
    assert code == 0
    data = json.loads(out)["data"]
    cutoff = knowledge_cutoff("2020-03-18")
    assert data[-1]["date"] == "2020-03-11"  # the 18 March level came out on Thursday the 19th
    assert all(pd.Timestamp(r["available_at"]) <= cutoff for r in data)


def test_errors_are_one_line_and_nonzero(cli: Callable[..., tuple[int, str, str]], filled_store_path: Path) -> None:
    code, out, err = cli("series", "show", "NOPE", "--store", str(filled_store_path))
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and err.startswith("riskcurve: error: NOPE: not in the store")
    code, _, err = cli("series", "list", "--store", "/nonexistent/dir/x.duckdb")
    assert code == 1 and "run `riskcurve update` first" in err
    code, _, err = cli("series", "show", "RUT", "--as-of", "2020-02-30", "--store", str(filled_store_path))
    assert code == 2 and "is not a date" in err


def test_update_and_import_json(cli: Callable[..., tuple[int, str, str]], mini_snapshot: Path, tmp_path: Path) -> None:
    store = str(tmp_path / "rc.duckdb")
    code, out, _ = cli("update", "--snapshot", str(mini_snapshot), "--offline", "--store", store, "--json")
    assert code == 0
    first = json.loads(out)
    assert first["mode"] == "snapshot" and first["rows_new"] > 0
    code, out, _ = cli("update", "--snapshot", str(mini_snapshot), "--offline", "--store", store, "--json")
    assert json.loads(out)["rows_new"] == 0
    flows = tmp_path / "flows.csv"
    flows.write_text("date,value\n2025-01-03,-1.5\n2025-01-10,oops\n")
    code, _, err = cli("import", str(flows), "--name", "FLOWS", "--store", store)
    assert code == 1 and f"{flows}: line 3: FLOWS: value 'oops' is not a number" in err
    flows.write_text("date,value\n2025-01-03,-1.5\n2025-01-10,2\n")
    code, out, _ = cli("import", str(flows), "--name", "FLOWS", "--store", store, "--json")
    assert code == 0 and json.loads(out)["rows_new"] == 2
    parquet = tmp_path / "flows.parquet"
    code, _, _ = cli("series", "export", "FLOWS", "--out", str(parquet), "--store", store)
    assert code == 0 and duckdb.sql(f"SELECT value FROM '{parquet}' ORDER BY date").fetchall() == [(-1.5,), (2.0,)]


def test_installed_entry_point_runs(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "riskcurve", "--help"], capture_output=True, text=True, env={**os.environ}, timeout=60
    )
    assert done.returncode == 0 and "update" in done.stdout
