"""The pandas-free store listing agrees with Store.list_series, row for row."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from riskcurve.data.catalog import SERIES_COLUMNS, list_series, series_parameters
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
