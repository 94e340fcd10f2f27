"""Every command's --json output validates against its documented schema (docs/schema/, JSON Schema 2020-12)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import duckdb
import jsonschema
import pandas as pd
import pytest

from riskcurve.cli._common import JSON_SCHEMA_VERSION

REPO = Path(__file__).resolve().parents[2]
SCHEMAS = REPO / "docs" / "schema"
AS_OF = "2026-02-20"

Cli = Callable[..., tuple[int, str, str]]


def _schema(name: str) -> dict[str, object]:
    schema = json.loads((SCHEMAS / f"{name}.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return schema


def _valid(name: str, out: str) -> dict[str, object]:
    document = json.loads(out)
    jsonschema.Draft202012Validator(_schema(name)).validate(document)
    assert document["schema_version"] == JSON_SCHEMA_VERSION
    return document


@pytest.fixture(scope="module")
def writable_store(filled_store_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the filled store for the commands that write (import, update, watch)."""
    copy = tmp_path_factory.mktemp("writable") / "riskcurve.duckdb"
    shutil.copy(filled_store_path, copy)
    return copy


# (schema name, command line after `riskcurve`); {store} is the read-only filled store.
READING = [
    ("series-list", ["series", "list"]),
    ("series-list", ["series", "list", "--as-of", AS_OF]),
    ("series-show", ["series", "show", "RUT", "--start", "2026-01-01"]),
    ("series-show", ["series", "show", "WALCL", "--start", "2025-06-01", "--vintages"]),
    ("signal", ["signal", "breakout", "--start", "2026-01-01", "--as-of", AS_OF]),
    ("events", ["events", "breakout", "--as-of", AS_OF]),
    ("regime", ["regime", "--as-of", AS_OF]),
    ("digest", ["digest", "--as-of", AS_OF]),
    (
        "study",
        ["study", "--events", "breakout:RUT", "--target", "BTC", "--reps", "100", "--seed", "1", "--as-of", AS_OF],
    ),
    (
        "study-when",
        ["study", "--when", "liquidity=expanding", "--target", "BTC", "--reps", "100", "--seed", "1", "--as-of", AS_OF],
    ),
    (
        "leadlag",
        ["leadlag", "--lead", "RUT", "--lag", "BTC", "--freq", "W", "--reps", "100", "--seed", "1", "--as-of", AS_OF],
    ),
    (
        "leadlag",
        ["leadlag", "--lead", "NETLIQ", "--lag", "BTC", "--freq", "W", "--reps", "50", "--seed", "1", "--as-of", AS_OF],
    ),
    ("backtest", ["backtest", "--rule", "cascade-liquidity", "--as-of", AS_OF]),
    ("backtest", ["backtest", "--rule", "state", "-p", "when=NETLIQ.chg_13w>0", "--asset", "BTC", "--as-of", AS_OF]),
    (
        "sweep",
        ["sweep", "--grid", "breakout", "--assets", "BTC", "--lags", "1", "-p", "min_base=125,250", "--reps", "50"],
    ),
    ("check", ["check", "--as-of", AS_OF]),
    ("claims-list", ["claims", "list"]),
    ("store-check", ["store", "check"]),
]


#: Commands that read no store (claim files only).
READS_NO_STORE = {"claims-list"}


@pytest.mark.parametrize(("name", "argv"), READING, ids=[" ".join(a[:2]) for _, a in READING])
def test_reading_commands_match_their_schema(cli: Cli, filled_store_path: Path, name: str, argv: list[str]) -> None:
    store = [] if name in READS_NO_STORE else ["--store", str(filled_store_path)]
    code, out, err = cli(*argv, *store, "--json")
    assert code == 0, err
    _valid(name, out)


def test_claims_list_matches_its_schema(cli: Cli) -> None:
    code, out, err = cli("claims", "list", "--json")
    assert code == 0, err
    from riskcurve.stats.claims import builtin_claims

    assert len(_valid("claims-list", out)["claims"]) == len(builtin_claims())  # type: ignore[arg-type]


def test_every_schema_is_exercised() -> None:
    covered = {name for name, _ in READING} | {
        "series-export",
        "series-delete",
        "import",
        "update",
        "watch",
        "report",
        "claims-list",
        "digest-history",
        "track-record",
    }
    assert covered == {path.stem for path in SCHEMAS.glob("*.json")}


def test_writing_commands_match_their_schema(
    cli: Cli, writable_store: Path, snapshot_root: Path, tmp_path: Path
) -> None:
    store = ["--store", str(writable_store), "--json"]
    flows = tmp_path / "flows.csv"
    flows.write_text("date,value\n2025-01-03,-1.5\n2025-01-10,2\n")
    code, out, err = cli("import", str(flows), "--name", "FLOWS", "--unit", "USD bn", *store)
    assert code == 0, err
    _valid("import", out)
    code, out, err = cli("update", "RUT", "--offline", "--snapshot", str(snapshot_root), *store)
    assert code == 0, err
    _valid("update", out)
    code, out, err = cli("series", "delete", "FLOWS", *store)
    assert code == 0, err
    assert _valid("series-delete", out)["rows_removed"] == 2
    code, out, err = cli("watch", "--once", "--no-update", "--as-of", AS_OF, *store)
    assert code == 0, err
    _valid("watch", out)
    code, out, err = cli("digest", "--history", "--start", "2024-01-01", "--as-of", AS_OF, *store)
    assert code == 0, err
    _valid("digest-history", out)
    code, out, err = cli("track-record", "--as-of", AS_OF, "--reps", "100", *store)
    assert code == 0, err
    _valid("track-record", out)


def test_report_matches_its_schema(cli: Cli, filled_store_path: Path, tmp_path: Path) -> None:
    out_file = tmp_path / "report.html"
    argv = ["report", "--out", str(out_file), "--no-png", "--reps", "50", "--as-of", AS_OF]
    code, out, err = cli(*argv, "--store", str(filled_store_path), "--json")
    assert code == 0, err
    assert _valid("report", out)["path"] == str(out_file)


# --- series export: the format from the extension or --format, and Parquet metadata ---------------


def test_export_csv_and_parquet_by_extension(cli: Cli, filled_store_path: Path, tmp_path: Path) -> None:
    store = ["--store", str(filled_store_path)]
    code, out, err = cli(
        "series", "export", "rut", "--out", str(tmp_path / "rut.csv"), "--as-of", AS_OF, *store, "--json"
    )
    assert code == 0, err
    assert _valid("series-export", out)["format"] == "csv"
    csv = pd.read_csv(tmp_path / "rut.csv", parse_dates=["date"], index_col="date")
    assert (tmp_path / "rut.csv").read_bytes()[:4] != b"PAR1"
    code, out, err = cli("series", "export", "RUT", "--out", str(tmp_path / "rut.parquet"), "--as-of", AS_OF, *store)
    assert code == 0, err
    # Written by DuckDB, with the date as a column: read back without pyarrow.
    parquet = duckdb.sql(f"SELECT * FROM read_parquet('{tmp_path / 'rut.parquet'}')").df().set_index("date")
    assert csv.index.max() == parquet.index.max() == pd.Timestamp(AS_OF)
    assert csv["close"].tolist() == pytest.approx(parquet["close"].tolist(), rel=1e-12)
    assert set(csv.columns) == set(parquet.columns) and "provider" in csv.columns


def test_parquet_carries_symbol_unit_provider_and_as_of(cli: Cli, filled_store_path: Path, tmp_path: Path) -> None:
    target = tmp_path / "walcl.data"
    argv = ["series", "export", "walcl", "--out", str(target), "--format", "parquet", "--as-of", AS_OF]
    code, _, err = cli(*argv, "--store", str(filled_store_path))
    assert code == 0, err
    rows = duckdb.sql(f"SELECT decode(key), decode(value) FROM parquet_kv_metadata('{target}')").fetchall()
    metadata = dict(rows)
    assert metadata["riskcurve.symbol"] == "WALCL"
    assert metadata["riskcurve.unit"] == "USD millions"
    assert metadata["riskcurve.provider"] == "snapshot"
    assert metadata["riskcurve.as_of"] == AS_OF
    assert metadata["riskcurve.kind"] == "value"
    columns = duckdb.sql(f"DESCRIBE SELECT * FROM read_parquet('{target}')").fetchall()
    assert [name for name, *_ in columns][:2] == ["date", "value"]  # the index is the first column


@pytest.mark.parametrize(
    ("name", "extra", "message"),
    [
        ("rut.txt", [], "cannot tell the format of"),
        ("rut.csv", ["--format", "parquet"], "contradicts the file name rut.csv"),
        ("rut.out", ["--format", "xlsx"], "format must be 'csv' or 'parquet'"),
    ],
)
def test_export_format_mistakes_are_one_clear_line(
    cli: Cli, filled_store_path: Path, tmp_path: Path, name: str, extra: list[str], message: str
) -> None:
    code, _, err = cli(
        "series", "export", "RUT", "--out", str(tmp_path / name), *extra, "--store", str(filled_store_path)
    )
    assert code == 2 and message in err
    assert not (tmp_path / name).exists()
