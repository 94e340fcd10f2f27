"""The pandas-free store listing agrees with Store.list_series, row for row."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from riskcurve.data.catalog import LISTING_SUFFIX, SERIES_COLUMNS, list_series, series_parameters
from riskcurve.data.ingest import update
from riskcurve.data.release import knowledge_cutoff
from riskcurve.data.store import Store
from riskcurve.errors import StoreError

# The plain statement of the listing (every dated row of both tables, distinct dates counted):
# the tuned query in riskcurve.data.catalog must return exactly this.
REFERENCE_SQL = """
WITH rows AS (
    SELECT symbol, date, provider, fetched_at FROM prices WHERE ?::DATE IS NULL OR date <= ?::DATE
    UNION ALL
    SELECT symbol, date, provider, fetched_at FROM observations
    WHERE ?::TIMESTAMP IS NULL OR available_at <= ?::TIMESTAMP
)
SELECT s.symbol, s.kind, s.unit, s.description, min(r.date), max(r.date), count(DISTINCT r.date),
       string_agg(DISTINCT r.provider, ',' ORDER BY r.provider), max(r.fetched_at)
FROM series s LEFT JOIN rows r USING (symbol)
GROUP BY ALL ORDER BY s.symbol
"""
DAYS = [None, dt.date(2020, 3, 16), dt.date(1990, 1, 2)]


@pytest.mark.parametrize("as_of", DAYS)
def test_listing_matches_the_plain_query(filled_store_path: Path, as_of: dt.date | None) -> None:
    cutoff = knowledge_cutoff(as_of).to_pydatetime() if as_of is not None else None
    with duckdb.connect(str(filled_store_path), read_only=True) as con:
        expected = con.execute(REFERENCE_SQL, series_parameters(as_of, cutoff)).fetchall()
    assert [tuple(row.values()) for row in list_series(filled_store_path, as_of=as_of)] == expected


@pytest.mark.parametrize("as_of", DAYS)
def test_listing_matches_store_list_series(filled_store_path: Path, as_of: dt.date | None) -> None:
    with Store(filled_store_path, read_only=True) as store:
        expected = store.list_series(as_of=as_of)
    listed = pd.DataFrame(list_series(filled_store_path, as_of=as_of), columns=list(SERIES_COLUMNS))
    assert list(listed["symbol"]) == list(expected["symbol"])
    assert list(listed["rows"]) == list(expected["rows"])
    for column in ("first_date", "last_date", "last_fetched"):
        assert list(pd.to_datetime(listed[column])) == list(pd.to_datetime(expected[column])), column
    assert list(listed["providers"].fillna("")) == list(expected["providers"].fillna(""))


def test_missing_store_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no store at .*nothing.duckdb; run `riskcurve update` first"):
        list_series(tmp_path / "nothing.duckdb")


# -- the listing saved beside the store --------------------------------------------------------


def _queried(path: Path) -> list[tuple[object, ...]]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(REFERENCE_SQL, series_parameters(None, None)).fetchall()


def _listed(path: Path) -> list[tuple[object, ...]]:
    return [tuple(row.values()) for row in list_series(path)]


def test_a_writer_leaves_the_listing_and_it_is_what_the_store_holds(mini_snapshot: Path, tmp_path: Path) -> None:
    path = tmp_path / "s.duckdb"
    saved = tmp_path / f"s.duckdb{LISTING_SUFFIX}"
    with Store(path) as store:
        update(store, snapshot=mini_snapshot, offline=True)
    assert saved.exists()
    assert _listed(path) == _queried(path)
    # Another write rewrites it when the writer closes.
    (mini_snapshot / "prices" / "ETH.csv").write_text(
        (mini_snapshot / "prices" / "BTC.csv").read_text(encoding="utf-8"), encoding="utf-8"
    )
    with Store(path) as store:
        update(store, ["ETH"], snapshot=mini_snapshot, offline=True)
    assert "ETH" in {row[0] for row in _listed(path)}
    assert _listed(path) == _queried(path)


def test_a_change_behind_riskcurves_back_is_never_hidden(mini_snapshot: Path, tmp_path: Path) -> None:
    path = tmp_path / "s.duckdb"
    with Store(path) as store:
        update(store, snapshot=mini_snapshot, offline=True)
    before = _listed(path)
    with duckdb.connect(str(path)) as con:  # not through Store: no new listing is written
        con.execute("DELETE FROM prices WHERE symbol = 'BTC' AND date >= DATE '2020-01-01'")
    after = _listed(path)
    assert after == _queried(path) != before
    # The query's result was saved again (nothing wrote meanwhile), and is used from now on.
    saved = json.loads((tmp_path / f"s.duckdb{LISTING_SUFFIX}").read_text(encoding="utf-8"))
    assert [row[0] for row in saved["series"]] == [row[0] for row in after]


@pytest.mark.parametrize("damage", ["{not json", '{"format": 99}', '{"format": 1, "stamp": [1, 2, 3], "series": []}'])
def test_an_unreadable_or_stale_listing_falls_back_to_the_store(
    mini_snapshot: Path, tmp_path: Path, damage: str
) -> None:
    path = tmp_path / "s.duckdb"
    with Store(path) as store:
        update(store, snapshot=mini_snapshot, offline=True)
    (tmp_path / f"s.duckdb{LISTING_SUFFIX}").write_text(damage, encoding="utf-8")
    assert _listed(path) == _queried(path)


def _crafted(row: list[object], stamp: list[int]) -> dict[str, str]:
    """Listings with the store's valid stamp that save_listing never writes."""

    def listing(series: object) -> str:
        return json.dumps({"format": 1, "stamp": stamp, "series": series})

    def column(name: str, value: object) -> list[list[object]]:
        changed = list(row)
        changed[SERIES_COLUMNS.index(name)] = value
        return [changed]

    return {
        "rows as text": listing(column("rows", "many")),
        "rows past any count": listing(column("rows", 10**400)),
        "rows negative": listing(column("rows", -1)),
        "symbol a number": listing(column("symbol", 1)),
        "kind a list": listing(column("kind", ["price"])),
        "unit an object": listing(column("unit", {"a": 1})),
        "a day as a number": listing(column("first_date", 20200101)),
        "a day not a day": listing(column("last_date", "2020-13-45")),
        "a time not a time": listing(column("last_fetched", "yesterday")),
        "a row an object": listing([{"symbol": "BTC"}]),
        "a row too short": listing([row[:3]]),
        "series a string": listing("BTC"),
        "a symbol twice": listing([row, row]),
        "the document a list": json.dumps([1, stamp]),
        "nesting that exhausts the parser": '{"format": 1, "stamp": '
        + json.dumps(stamp)
        + ', "series": '
        + "[" * 100_000
        + "]" * 100_000
        + "}",
    }


def test_a_crafted_listing_is_ignored_and_the_store_answers(
    mini_snapshot: Path, tmp_path: Path, cli: Callable[..., tuple[int, str, str]]
) -> None:
    path = tmp_path / "s.duckdb"
    with Store(path) as store:
        update(store, snapshot=mini_snapshot, offline=True)
    listing = tmp_path / f"s.duckdb{LISTING_SUFFIX}"
    good = json.loads(listing.read_text(encoding="utf-8"))
    truth = _queried(path)
    code, out, err = cli("series", "list", "--store", str(path), "--json")
    expected = json.loads(out)["series"]
    assert code == 0 and [entry["symbol"] for entry in expected] == [row[0] for row in truth]
    for name, crafted in _crafted(good["series"][0], good["stamp"]).items():
        listing.write_text(crafted, encoding="utf-8")
        assert _listed(path) == truth, name
        listing.write_text(crafted, encoding="utf-8")
        code, out, err = cli("series", "list", "--store", str(path), "--json")
        assert (code, err) == (0, ""), f"{name}: {err}"
        assert json.loads(out)["series"] == expected, name
        # The store's answer was saved over the crafted file, and is used from now on.
        assert json.loads(listing.read_text(encoding="utf-8")) == good, name


def test_a_point_in_time_listing_always_asks_the_store(mini_snapshot: Path, tmp_path: Path) -> None:
    path = tmp_path / "s.duckdb"
    with Store(path) as store:
        update(store, snapshot=mini_snapshot, offline=True)
    listing = tmp_path / f"s.duckdb{LISTING_SUFFIX}"
    forged = json.loads(listing.read_text(encoding="utf-8"))
    forged["series"] = forged["series"][:1]  # a listing with a valid stamp is trusted as is...
    listing.write_text(json.dumps(forged), encoding="utf-8")
    assert len(list_series(path)) == 1
    day = dt.date(2020, 3, 16)  # ...but a point-in-time listing never reads it
    cutoff = knowledge_cutoff(day).to_pydatetime()
    with duckdb.connect(str(path), read_only=True) as con:
        expected = con.execute(REFERENCE_SQL, series_parameters(day, cutoff)).fetchall()
    assert [tuple(row.values()) for row in list_series(path, as_of=day)] == expected


def test_series_list_from_the_listing_loads_no_duckdb(filled_store_path: Path) -> None:
    list_series(filled_store_path)  # makes sure the listing is there
    code = (
        "import sys, io, contextlib\n"
        "from riskcurve.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n"
        f"        main(['series', 'list', '--store', {str(filled_store_path)!r}])\n"
        "    except SystemExit as done:\n"
        "        assert done.code == 0, done.code\n"
        "print(sorted(m for m in ('duckdb', 'pandas') if m in sys.modules))\n"
    )
    ran = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert ran.stdout.strip() == "[]"
