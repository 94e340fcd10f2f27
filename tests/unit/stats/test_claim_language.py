"""The claim language says what it means and refuses the rest (issues 18 and 20), on hand-made data.

Every silently-wrong answer of issue 18 is reproduced here and must now give the right answer
or one line naming the problem; every value issue 20 found accepted is refused with its line.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from riskcurve.data.ingest import import_csv, update
from riskcurve.data.panel import MarketData
from riskcurve.data.store import Store
from riskcurve.errors import ClaimFileError, UnknownSymbolError
from riskcurve.stats.claims import ClaimResult, parse_claims, run_claims
from riskcurve.stats.claims.context import Context, Reader
from riskcurve.stats.claims.language import State
from riskcurve.stats.claims.states import state_by_day

END = "2024-12-31"
START = "2015-01-01"


def _sessions() -> pd.DatetimeIndex:
    return pd.bdate_range(START, END)


def _prices() -> dict[str, pd.Series]:
    """RUT rises one index point per session from 1000 (so never 5% in 21 days); GSPC and BTC known paths."""
    sessions = _sessions()
    days = pd.date_range(START, END)
    rng = np.random.default_rng(7)
    rut = pd.Series(1000.0 + np.arange(len(sessions)), index=sessions)
    gspc = pd.Series(2000.0 * np.exp(np.cumsum(rng.normal(0.0002, 0.01, len(sessions)))), index=sessions)
    btc = pd.Series(100.0 * np.exp(np.cumsum(rng.normal(0.001, 0.03, len(days)))), index=days)
    eth = btc * pd.Series(np.linspace(0.05, 0.1, len(days)), index=days)
    return {"RUT": rut, "GSPC": gspc, "BTC": btc, "ETH": eth}


def _fill(root: Path, end: str) -> Path:
    folder = root / "snapshot"
    (folder / "prices").mkdir(parents=True)
    (folder / "macro").mkdir()
    for symbol, close in _prices().items():
        close = close.loc[:end]
        dates = pd.DatetimeIndex(close.index).strftime("%Y-%m-%d")
        frame = pd.DataFrame({"date": dates, "close": close.round(6).to_numpy()})
        frame.to_csv(folder / "prices" / f"{symbol}.csv", index=False)
    path = root / "rc.duckdb"
    days = pd.date_range(START, end)
    rate = pd.Series(2.0 + 0.001 * np.arange(len(days)), index=days)  # +0.021 points in 21 days
    csv = root / "RATE.csv"
    pd.DataFrame({"date": days.strftime("%Y-%m-%d"), "value": rate.round(6).to_numpy()}).to_csv(csv, index=False)
    with Store(path) as store:
        update(store, snapshot=folder, offline=True)
        import_csv(store, csv, "RATE", unit="percent")
    return path


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _fill(tmp_path_factory.mktemp("language"), END)


@pytest.fixture
def store(store_path: Path) -> Iterator[Store]:
    with Store(store_path, read_only=True) as opened:
        yield opened


def _file(*claims: str) -> str:
    return "version: 1\nclaims:\n" + "".join(claims)


def _claim(body: str, cid: str = "X", date: str = "2024-06-28") -> str:
    lines = body.strip("\n").splitlines()
    indented = "".join(f"    {line}\n" for line in lines)
    return f"  - id: {cid}\n    statement: a claim\n    source: test\n    date: {date}\n{indented}"


def _run(store: Store, text: str) -> list[ClaimResult]:
    return run_claims(store, list(parse_claims(text).claims), as_of=END)


def _state(store: Store, as_of: str, **fields: object) -> pd.Series:
    ctx = Context(store, pd.Timestamp(as_of))
    data = ctx.view(None)
    return state_by_day(Reader(ctx, data), State.model_validate(fields), data.days(START))


# -- issue 18: silently wrong answers ------------------------------------------------------------


def test_a_change_state_on_a_price_is_a_percent_change_not_index_points(store: Store) -> None:
    """`{series: RUT, change_days: 21, above: 0.05}` meant "up 5%"; it was read as "up 0.05 points"."""
    text = _file(
        _claim(
            """
kind: conditional
definition:
  target: BTC
  state: {series: RUT, change_days: 21, above: 0.05}
  horizons: [21]
  reps: 200
expects: {direction: above}
"""
        )
    )
    (result,) = _run(store, text)
    assert result.measured["state"] == "RUT 21-day change (percent) > 0.05"
    assert "RUT 21-day change (percent) > 0.05" in result.headline
    assert all(row["n_in"] == 0 for row in result.measured["tests"])  # +15 points on ~3000 is never +5%
    # The points reading is still there, said as such: every day is up some points.
    days = _state(store, END, series="RUT", change_days=21, above=0.05, change="difference").dropna()
    assert days.mean() == 1.0
    assert _state(store, END, series="RUT", change_days=21, above=0.05).dropna().mean() == 0.0


def test_a_rate_changes_by_a_difference_of_points_by_default(store: Store) -> None:
    as_percent = _state(store, END, series="RATE", change_days=21, above=0.02, change="percent").dropna()
    by_default = _state(store, END, series="RATE", change_days=21, above=0.02).dropna()
    assert by_default.mean() == 1.0  # +0.021 points > 0.02
    assert as_percent.mean() == 0.0  # under 1% of ~2-5


def test_an_episode_part_with_its_own_date_is_measured_on_that_date(store: Store) -> None:
    """Parts dated on their own were all measured on the episode's date: four readings of one day."""
    rut = _prices()["RUT"]
    dates = ["2018-06-29", "2020-06-30", "2022-06-30", "2024-06-28"]
    parts = "".join(
        f"""
    - id: y{day[:4]}
      statement: RUT's close on {day}
      date: {day}
      kind: measure
      definition: {{series: RUT, statistic: last}}
      expects: {{value: {rut.loc[day]:.0f}, tolerance: 0.5}}"""
        for day in dates
    )
    text = _file(_claim(f"kind: episode\ndefinition:\n  parts:{parts}\n", date="2024-06-28"))
    (episode,) = _run(store, text)
    assert [p.grade for p in episode.parts] == ["consistent"] * 4
    assert [str(p.data_as_of) for p in episode.parts] == dates
    assert [p.date.isoformat() for p in episode.parts] == dates


def test_a_misspelt_symbol_is_an_error_with_the_nearest_names(store: Store) -> None:
    """`RUTT` was graded "data missing ... run riskcurve update"; it is now refused, naming RUT."""
    text = _file(_claim("kind: measure\ndefinition: {series: RUTT, statistic: last}\nexpects: {at_least: 1}\n"))
    with pytest.raises(UnknownSymbolError, match=r"claim X: unknown symbol 'RUTT'; did you mean RUT"):
        _run(store, text)
    relative = _file(
        _claim(
            "kind: history\ndefinition:\n  events: {dates: [2020-01-02]}\n  targets: [ETH/BTX]\n"
            "  horizons: [5]\nexpects: {direction: above}\n"
        )
    )
    with pytest.raises(UnknownSymbolError, match="'BTX'; did you mean .*BTC"):
        _run(store, relative)
    # A catalogue symbol the store lacks is still "data missing" (run update), not an error.
    (missing,) = _run(store, text.replace("RUTT", "SILVER"))
    assert missing.grade == "data missing" and "riskcurve update" in missing.reason


# -- issue 20: claim files accept nothing the rest refuses ---------------------------------------


BOMB = """version: 1
claims:
  - id: B
    statement: s
    source: s
    date: 2025-01-01
    kind: measure
    definition:
      series: BTC
      parameters:
        a: &a [x, x, x, x, x, x, x, x, x]
        b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
        c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
        d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
        e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
        f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
        g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
        h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
        i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]
    expects: {at_least: 1}
"""


def test_an_alias_bomb_fails_fast_with_one_line() -> None:
    assert len(BOMB) < 1024
    started = time.perf_counter()
    with pytest.raises(ClaimFileError, match=r"line \d+: expands to more than 50,000 values \(YAML aliases\)") as bad:
        parse_claims(BOMB)
    assert time.perf_counter() - started < 1.0
    assert "\n" not in str(bad.value)
    # Aliases that expand to a little are still YAML.
    small = _file(_claim("kind: measure\ndefinition: &m {series: BTC}\nexpects: {at_least: 1}\n"))
    assert parse_claims(small).claims


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "kind: measure\ndefinition: {series: BTC}\ndefinition: {series: ETH}\nexpects: {at_least: 1}\n",
            r"line 9: definition: duplicate key 'definition' \(first on line 8\)",
        ),
        ("kind: measure\ndefinition: {series: BTC, series: ETH}\nexpects: {at_least: 1}\n", "duplicate key 'series'"),
        (
            "kind: measure\ndefinition: {series: BTC, window: {start: 1800-01-01}}\nexpects: {at_least: 1}\n",
            "date 1800-01-01 is outside 1900-01-01..2100-12-31",
        ),
        (
            "kind: measure\ndefinition: {series: BTC, window: {end: 9999-12-31}}\nexpects: {at_least: 1}\n",
            "date 9999-12-31 is outside",
        ),
        (
            "kind: measure\ndefinition: {series: BTC}\nexpects: {value: .inf, tolerance: 1}\n",
            "expects.value: Input should be a finite number",
        ),
        ("kind: measure\ndefinition: {series: BTC}\nexpects: {at_least: .nan}\n", "finite number"),
        (
            "kind: history\ndefinition:\n"
            "  events: {signal: relative-strength, symbol: RUT, parameters: {min_streak: -3}}\n"
            "  targets: [BTC]\n  horizons: [21]\nexpects: {direction: above}\n",
            "min_streak=-3 of signal 'relative-strength' must be a whole number from 1",
        ),
        (
            "kind: history\ndefinition:\n  events: {dates: [2020-01-02]}\n  targets: [BTC]\n  horizons: [0]\n"
            "expects: {direction: above}\n",
            "horizons",
        ),
        (
            "kind: measure\ndefinition: {signal: breakout, symbol: RUT, column: x, parameters: {min_base: 1.0e+20}}\n"
            "expects: {at_least: 1}\n",
            "min_base=1e\\+20 of signal 'breakout' must be a whole number",
        ),
    ],
)
def test_values_are_range_checked_and_keys_unique(body: str, message: str) -> None:
    with pytest.raises(ClaimFileError, match=message):
        parse_claims(_file(_claim(body)))


@pytest.mark.parametrize(
    "body",
    [
        # signal measure, state, events of a signal, events of a column, figure, series measure
        "kind: measure\ndefinition: {signal: breakout, symbol: RUT, column: x, parameters: {nonsense: 1}}\n"
        "expects: {at_least: 1}\n",
        "kind: conditional\ndefinition:\n  target: BTC\n  state: {signal: cascade, column: stage, above: 2, "
        "parameters: {nonsense: 1}}\nexpects: {direction: above}\n",
        "kind: history\ndefinition:\n  events: {signal: breakout, symbol: RUT, parameters: {nonsense: 1}}\n"
        "  targets: [BTC]\n  horizons: [21]\nexpects: {direction: above}\n",
        "kind: history\ndefinition:\n  events: {signal: cascade, column: small_caps, parameters: {min_streak: 1}}\n"
        "  targets: [BTC]\n  horizons: [21]\nexpects: {direction: above}\n",
        "kind: measure\ndefinition: {figure: january-effect, key: n_selected, parameters: {nonsense: 1}}\n"
        "expects: {at_least: 1}\n",
        "kind: measure\ndefinition: {series: BTC, parameters: {nonsense: 1}}\nexpects: {at_least: 1}\n",
        "kind: direction\ndefinition:\n  events: {dates: [2020-01-02]}\n  target: BTC\n  horizons: [5]\n"
        "  nonsense: 1\nexpects: {direction: above}\n",
        "kind: conditional\ndefinition:\n  target: BTC\n  state: {series: RUT, change_days: 21, above: 0.05, "
        "nonsense: 1}\nexpects: {direction: above}\n",
    ],
)
def test_unknown_parameters_are_refused_in_every_kind(body: str) -> None:
    with pytest.raises(
        ClaimFileError,
        match=r"no parameter 'nonsense'|no parameter 'min_streak'|unknown field|"
        r"takes no parameters",
    ):
        parse_claims(_file(_claim(body)))


def test_an_expectation_the_kind_does_not_read_is_refused() -> None:
    body = "kind: measure\ndefinition: {series: BTC}\nexpects: {at_least: 1, leader: BTC}\n"
    with pytest.raises(ClaimFileError, match="a measure claim does not read expects.leader"):
        parse_claims(_file(_claim(body)))


def test_states_refuse_readings_that_do_not_go_together() -> None:
    for fields, message in (
        ({"series": "RUT", "new_high": 200, "above": 1.0}, "takes no equals, above or below"),
        ({"series": "RUT", "change_days": 21, "ytd": True, "above": 0.0}, "not change_days and ytd"),
        ({"series": "RUT", "change": "log", "above": 0.0}, "'change' is the unit of change_days or ytd"),
        ({"month": 13}, "less than or equal to 12"),
        ({"month": 1, "series": "RUT"}, "'month' takes no series"),
        ({"all": [{"month": 1}], "series": "RUT"}, "takes nothing beside it"),
    ):
        with pytest.raises(ValueError, match=message):
            State.model_validate(fields)


# -- everyday states: rolling highs, calendar, year to date, A/B -----------------------------------


def test_new_highs_months_sessions_and_year_to_date(store: Store) -> None:
    rut = _prices()["RUT"]
    high = _state(store, END, series="RUT", new_high=200)
    sessions = high.reindex(rut.index)
    # A series rising every session is at its 200-session high from its 200th session on.
    assert sessions.iloc[:199].isna().all() and (sessions.iloc[199:] == 1.0).all()
    assert (_state(store, END, series="RUT", new_low=200).reindex(rut.index).iloc[199:] == 0.0).all()
    january = _state(store, END, month=[1])
    months = pd.DatetimeIndex(january.index).month
    assert set(months[january.to_numpy() == 1]) == {1} and (january[months != 1] == 0).all()
    first = _state(store, END, first_sessions=3, series="GSPC")
    y2020 = first.loc["2020-01-01":"2020-01-10"]
    # 2020: Wed 1 Jan is a weekday here (hand-made business days), sessions 1-3 are 1, 2, 3 Jan.
    assert list(pd.DatetimeIndex(y2020[y2020 == 1].index).day) == [1, 2, 3]
    ytd = _state(store, END, series="RUT", ytd=True, above=0.05)
    on_day = ytd.loc["2023-12-29"]
    start, last = rut.loc[:"2022-12-31"].iloc[-1], rut.loc["2023-12-29"]
    assert on_day == float(last / start - 1 > 0.05)
    both = _state(store, END, all=[{"month": 1}, {"series": "RUT", "new_high": 200}])
    held = both.dropna()
    assert (pd.DatetimeIndex(held[held == 1].index).month == 1).all()


def test_states_use_only_what_was_known_on_each_day(store: Store, tmp_path: Path) -> None:
    cut = "2019-06-28"
    short = _fill(tmp_path, cut)
    with Store(short, read_only=True) as early:
        for fields in (
            {"series": "RUT", "new_high": 200},
            {"series": "BTC", "ytd": True, "above": 0.1},
            {"series": "RUT", "change_days": 21, "above": 0.005},
            {"first_sessions": 5},
        ):
            full = _state(store, END, **fields).loc[:cut]
            truncated = _state(early, cut, **fields)
            pd.testing.assert_series_equal(full, truncated, check_names=False)


def test_a_relative_target_is_one_series_against_another(store: Store) -> None:
    ctx = Context(store, pd.Timestamp(END))
    reader = Reader(ctx, MarketData(store, as_of=pd.Timestamp(END)))
    ratio = reader.series("ETH/BTC")
    prices = _prices()
    expected = (prices["ETH"] / prices["BTC"]).loc[ratio.index]
    np.testing.assert_allclose(ratio.to_numpy(), expected.to_numpy(), rtol=1e-5)
    rut_gspc = reader.series("RUT/GSPC")  # RUT's sessions, GSPC as known on them
    assert rut_gspc.index.equals(pd.DatetimeIndex(prices["RUT"].index, name=rut_gspc.index.name))


def test_events_from_a_state_and_a_direction_claim(store: Store) -> None:
    text = _file(
        _claim(
            """
kind: direction
definition:
  events:
    state: {series: RUT, new_high: 200}
    cooldown: 30
  target: RUT
  horizons: [5, 21]
expects: {direction: above}
"""
        )
    )
    (result,) = _run(store, text)
    # RUT rises every session: every event is followed by a rise, and so is every day.
    tests = result.measured["tests"]
    assert [t["horizon"] for t in tests] == [5, 21]
    assert all(t["share"] == 1.0 and t["base"] == 1.0 for t in tests)
    assert result.measured["events"][0] >= "2015-09-01"  # the first full 200-session window
    assert result.grade == "inconclusive" or result.grade == "too few observations"
    assert "median" in result.headline and "of all days" in result.headline


def test_history_and_conditional_show_median_and_share_positive(store: Store) -> None:
    text = _file(
        _claim(
            """
kind: history
definition:
  events: {state: {month: 3}, cooldown: 200}
  targets: [BTC]
  horizons: [21]
  returns: simple
  reps: 200
expects: {direction: above}
""",
            "H",
        ),
        _claim(
            """
kind: conditional
definition:
  target: ETH/BTC
  state: {month: [1, 2, 3]}
  horizons: [21]
  reps: 200
expects: {direction: above}
""",
            "C",
        ),
    )
    history, conditional = _run(store, text)
    assert "median" in history.headline and "positive" in history.headline and "(returns)" in history.headline
    row = history.measured["tests"][0]
    assert {"median", "share_positive", "baseline_median", "baseline_share_positive"} <= set(row)
    assert 0 <= row["share_positive"] <= 1
    assert "median" in conditional.headline and "positive" in conditional.headline
    assert "log returns" in conditional.headline  # log is the default, and said
