"""Claims as data on hand-made series with known answers: every kind, the grade scale, seeds, as-of."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from riskcurve.data.ingest import import_csv, update
from riskcurve.data.store import Store
from riskcurve.errors import ClaimFileError
from riskcurve.stats.claims import GRADES, ClaimResult, builtin_claims, parse_claims, run_claims
from riskcurve.stats.claims.grading import combine, grade_test
from riskcurve.stats.defaults import SEED

D = "2025-06-30"  # the synthetic claims' date
END = "2025-12-31"
EVENT_GAP = 60
H = 21


def _write_prices(folder: Path, symbol: str, close: pd.Series) -> None:
    frame = pd.DataFrame({"date": close.index.strftime("%Y-%m-%d"), "close": close.round(6).to_numpy()})
    frame.to_csv(folder / f"{symbol}.csv", index=False)


def _write_values(path: Path, values: pd.Series) -> Path:
    pd.DataFrame({"date": values.index.strftime("%Y-%m-%d"), "value": values.round(8).to_numpy()}).to_csv(
        path, index=False
    )
    return path


def _market(end: str) -> dict[str, pd.Series]:
    """Prices with known structure: BTC turns 30 days before GSPC, ETH follows BTC by a week, RUT's streak."""
    rng = np.random.default_rng(11)
    sessions = pd.bdate_range("2010-01-04", END)
    days = pd.date_range("2010-01-01", END)
    # Cycles of 400 days; BTC is 30 days ahead of GSPC, so it tops and bottoms first.
    phase = np.arange(len(days))
    btc_all = pd.Series(100 * np.exp(0.6 * np.sin(2 * np.pi * (phase + 30) / 400)), index=days)
    gspc_level = pd.Series(1000 * np.exp(0.3 * np.sin(2 * np.pi * phase / 400)), index=days)
    gspc = gspc_level.reindex(sessions)
    ratio_steps = rng.normal(0, 0.004, len(sessions))
    ratio_steps[-13] = -0.01  # the streak below starts after a losing session
    ratio_steps[-12:] = 0.01  # RUT beats GSPC the last 12 sessions
    rut = gspc * np.exp(np.cumsum(ratio_steps))
    btc_noise = np.exp(np.cumsum(rng.normal(0, 0.01, len(days))))
    btc = btc_all * btc_noise
    btc_ret = np.log(btc).diff().fillna(0).to_numpy()
    eth_ret = np.r_[np.zeros(7), 0.8 * btc_ret[:-7]] + rng.normal(0, 0.004, len(days))
    eth_ret[-200:] = 0.002  # a steady rise over the last 200 days (the forecast below)
    eth = pd.Series(50 * np.exp(np.cumsum(eth_ret)), index=days)
    out = {"GSPC": gspc, "RUT": rut, "BTC": btc, "ETH": eth}
    return {k: v.loc[:end] for k, v in out.items()}


def _effects(end: str) -> dict[str, pd.Series]:
    """Value series whose windows after given event dates carry a known effect."""
    rng = np.random.default_rng(5)
    days = pd.date_range("2012-01-01", END)
    base = rng.normal(0, 0.01, len(days))
    events = days[200 : len(days) - 200 : EVENT_GAP][:30]
    spots = days.get_indexer(events)
    series = {}
    for name, per_day in (("UP", 0.15 / H), ("DOWN", -0.15 / H), ("FLAT", 0.0)):
        steps = base.copy()
        for at in spots:
            steps[at + 2 : at + 2 + H] += per_day  # entry is the bar after the event
        series[name] = pd.Series(100 * np.exp(np.cumsum(steps)), index=days)
    # A state that holds in alternating 100-day spells; the target drifts up only while it holds.
    state = pd.Series(np.where((np.arange(len(days)) // 100) % 2 == 0, 1.0, -1.0), index=days)
    drift = np.where(state.shift(1).fillna(-1).to_numpy() > 0, 0.004, -0.002)
    series["STATE"] = state
    series["DRIFT"] = pd.Series(100 * np.exp(np.cumsum(drift + rng.normal(0, 0.01, len(days)))), index=days)
    series["EVENTS"] = pd.Series(1.0, index=events)
    return {k: v.loc[:end] for k, v in series.items()}


def _fill(root: Path, end: str) -> Path:
    folder = root / "snapshot"
    (folder / "prices").mkdir(parents=True)
    (folder / "macro").mkdir()
    for symbol, close in _market(end).items():
        _write_prices(folder / "prices", symbol, close)
    path = root / "rc.duckdb"
    with Store(path) as store:
        update(store, snapshot=folder, offline=True)
        for name, values in _effects(end).items():
            if name != "EVENTS":
                import_csv(store, _write_values(root / f"{name}.csv", values), name)
    return path


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _fill(tmp_path_factory.mktemp("claims_full"), END)


@pytest.fixture(scope="module")
def store_to_d(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same data cut at D: what a check made on D would have seen."""
    return _fill(tmp_path_factory.mktemp("claims_to_d"), D)


@pytest.fixture
def store(store_path: Path) -> Iterator[Store]:
    with Store(store_path, read_only=True) as opened:
        yield opened


EVENT_DATES = [d.date().isoformat() for d in _effects(END)["EVENTS"].index]


def _history(cid: str, target: str, dates: list[str], expects: str) -> str:
    return f"""
  - id: {cid}
    statement: what followed the events in {target}
    source: test
    date: {D}
    kind: history
    definition:
      events: {{dates: [{", ".join(dates)}]}}
      targets: [{target}]
      horizons: [{H}]
      reps: 500
    expects: {expects}
"""


CLAIMS = (
    "claims:\n"
    + _history("UP", "UP", EVENT_DATES, "{direction: above, effect: 0.05}")
    + _history("DOWN", "DOWN", EVENT_DATES, "{direction: above, effect: 0.05}")
    + _history("NOEFFECT", "FLAT", EVENT_DATES, "{direction: above, effect: 0.05}")
    + _history("WEAK", "FLAT", EVENT_DATES[:6], "{direction: above, effect: 0.02}")
    + _history("FEW", "UP", EVENT_DATES[:3], "{direction: above, effect: 0.05}")
    + f"""
  - id: RET
    statement: UP rose over 2024
    source: test
    date: {D}
    kind: measure
    definition: {{series: UP, statistic: return, window: {{start: 2024-01-01, end: 2024-12-31}}}}
    expects: {{at_least: -1}}
  - id: STREAK
    statement: small caps beat large caps 12 sessions in a row
    source: test
    date: {END}
    kind: measure
    definition:
      signal: relative-strength
      symbol: RUT
      column: streak
      statistic: max
      window: {{start: 2025-12-01}}
    expects: {{value: 12, tolerance: 0}}
  - id: OLD
    statement: a figure since 1990
    source: test
    date: {D}
    kind: measure
    definition: {{series: UP, statistic: return, window: {{start: 1990-01-01, end: 2024-12-31}}}}
    expects: {{at_least: 0}}
  - id: STATE
    statement: DRIFT rises while STATE is positive
    source: test
    date: {D}
    kind: conditional
    definition:
      target: DRIFT
      state: {{series: STATE, above: 0}}
      horizons: [{H}]
      reps: 300
    expects: {{direction: above, effect: 0.02}}
  - id: LEAD
    statement: BTC leads ETH by a week
    source: test
    date: {D}
    kind: lead-lag
    definition: {{lead: BTC, lag: ETH, freq: W, max_lag: 4, reps: 200}}
    expects: {{leader: BTC, lags: [1, 1], effect: 0.2}}
  - id: LEAD_WRONG
    statement: ETH leads BTC
    source: test
    date: {D}
    kind: lead-lag
    definition: {{lead: ETH, lag: BTC, freq: W, max_lag: 4, reps: 200}}
    expects: {{leader: ETH, effect: 0.2}}
  - id: TURNS
    statement: BTC tops and bottoms before the S&P 500
    source: test
    date: {D}
    kind: order
    definition: {{method: turning-points, others: [GSPC], threshold: 0.2}}
    expects: {{first: BTC, effect: 0.25}}
  - id: NEXT
    statement: ETH will rise over the next three months
    source: test
    date: {D}
    kind: forecast
    definition: {{assets: [ETH], months: [1, 2, 3], show: [BTC, ETH]}}
    expects: {{at_least: 0.05}}
  - id: IMPORT
    statement: a series the user must import
    source: test
    date: {D}
    kind: needs-data
    definition:
      series: [MISSING_SERIES]
      then:
        statement: it rose
        kind: measure
        definition: {{series: MISSING_SERIES, statistic: return, window: {{start: 2024-01-01, end: 2024-12-31}}}}
        expects: {{at_least: 0}}
  - id: EPISODE
    statement: two features of one moment
    source: test
    date: {D}
    kind: episode
    definition:
      parts:
        - id: true_part
          statement: UP ended 2024 above where it started 2012
          kind: measure
          definition: {{series: UP, statistic: return, window: {{start: 2012-01-01, end: 2024-12-31}}}}
          expects: {{at_least: -1}}
        - id: false_part
          statement: UP fell over that span by more than 100%
          kind: measure
          definition: {{series: UP, statistic: return, window: {{start: 2012-01-01, end: 2024-12-31}}}}
          expects: {{at_most: -1.5}}
"""
)


@pytest.fixture(scope="module")
def claims() -> list[Any]:
    return list(parse_claims(CLAIMS, "synthetic.yaml").claims)


@pytest.fixture(scope="module")
def results(store_path: Path, claims: list[Any]) -> dict[str, ClaimResult]:
    with Store(store_path, read_only=True) as store:
        return {r.id: r for r in run_claims(store, claims, as_of=END)}


# -- the grade scale ------------------------------------------------------------------------------


def test_effect_in_the_claimed_direction_is_consistent(results: dict[str, ClaimResult]) -> None:
    up = results["UP"]
    assert up.grade == "consistent" and up.evidence == "strong"
    assert up.n == 30 and up.p is not None and up.p < 0.01
    row = up.measured["tests"][0]
    assert row["difference"] == pytest.approx(0.15, abs=0.03)


def test_opposite_effect_powered_null_and_underpowered_null_are_told_apart(results: dict[str, ClaimResult]) -> None:
    assert results["DOWN"].grade == "contradicted"
    null = results["NOEFFECT"]
    assert null.grade == "not supported"
    assert null.mde is not None and null.mde < 0.05  # the test could have seen the claimed +5%
    weak = results["WEAK"]
    assert weak.grade == "inconclusive"
    assert weak.mde is not None and weak.mde > 0.02  # it could not have seen the claimed +2%
    assert "exceeds the claimed" in weak.reason
    assert results["FEW"].grade == "too few observations"
    for cid in ("DOWN", "NOEFFECT", "WEAK", "FEW"):
        assert results[cid].reason


def test_grades_do_not_flip_with_the_seed(store: Store, claims: list[Any]) -> None:
    chosen = [c for c in claims if c.id in ("UP", "DOWN", "NOEFFECT", "WEAK", "STATE")]
    grades = {
        seed: [r.grade for r in run_claims(store, chosen, as_of=END, seed=seed, reps=300)] for seed in (1, 2, 3, 4)
    }
    assert len({tuple(g) for g in grades.values()}) == 1, grades


def test_grade_test_and_combine_rules() -> None:
    assert grade_test(n=3, significant=True, sign=1, claimed_sign=1, mde=0.1, effect=0.2)[0] == "too few observations"
    assert grade_test(n=30, significant=True, sign=-1, claimed_sign=1, mde=0.1, effect=0.2)[0] == "contradicted"
    assert grade_test(n=30, significant=False, sign=0, claimed_sign=1, mde=0.1, effect=0.2)[0] == "not supported"
    assert grade_test(n=30, significant=False, sign=0, claimed_sign=1, mde=0.3, effect=0.2)[0] == "inconclusive"
    assert grade_test(n=30, significant=False, sign=0, claimed_sign=1, mde=0.1, effect=None)[0] == "inconclusive"
    assert combine(["consistent", "consistent"])[0] == "consistent"
    assert combine(["consistent", "contradicted"])[0] == "partly consistent"
    assert combine(["consistent", "data missing"])[0] == "partly consistent"
    assert combine(["contradicted", "data missing"])[0] == "contradicted"
    assert combine(["pending", "pending"])[0] == "pending"
    assert combine(["before the data", "data missing"])[0] == "before the data"


# -- every kind --------------------------------------------------------------------------------


def test_measure_reads_a_series_and_a_signal(results: dict[str, ClaimResult], store: Store) -> None:
    ups = _effects(END)["UP"]
    expected = ups.loc["2024-12-31"] / ups.loc["2023-12-31"] - 1
    assert results["RET"].measured["value"] == pytest.approx(expected, rel=1e-6)
    assert results["RET"].grade == "consistent" and results["RET"].evidence == "descriptive"
    assert results["STREAK"].measured["value"] == 12 and results["STREAK"].grade == "consistent"
    assert results["OLD"].grade == "before the data"  # the window starts before 2012


def test_conditional_lead_lag_and_order(results: dict[str, ClaimResult]) -> None:
    assert results["STATE"].grade == "consistent"
    lead = results["LEAD"]
    assert lead.grade == "consistent", lead.reason
    assert lead.measured["verdict"]["leader"] == "BTC" and lead.measured["verdict"]["lead_bars"] == 1
    assert results["LEAD_WRONG"].grade == "contradicted"
    turns = results["TURNS"]
    assert turns.grade == "consistent"
    assert turns.measured["test"]["k"] == turns.measured["test"]["n"] >= 10


def test_lead_lag_takes_one_series_against_another(store: Store) -> None:
    """``ETH/BTC`` as a lead-lag series: ETH's close over BTC's, in log returns, on ETH's calendar.

    The claim, the study and a scan of the ratio computed here by hand give the same table.
    """
    from riskcurve.data.panel import MarketData
    from riskcurve.stats.leadlag import LeadLag, leadlag

    text = f"""
claims:
  - id: LEAD_RATIO
    statement: BTC leads ETH against BTC by a week
    source: test
    date: {END}
    kind: lead-lag
    definition: {{lead: BTC, lag: ETH/BTC, freq: W, max_lag: 4, reps: 200}}
    expects: {{leader: BTC, lags: [1, 1], effect: 0.2}}
"""
    (result,) = run_claims(store, list(parse_claims(text).claims), as_of=END)
    market = _market(END)
    by_hand = (market["ETH"] / market["BTC"]).rename("ETH/BTC")
    manual = LeadLag(
        market["BTC"], by_hand, freq="W", max_lag=4, reps=200, seed=SEED, calendars=("crypto", "crypto")
    ).run()
    assert result.grade != "data missing", result.reason
    assert result.measured["verdict"]["leader"] == manual.verdict.leader
    assert result.measured["verdict"]["significant_lags"] == list(manual.verdict.significant_lags)

    data = MarketData(store, as_of=END)
    direct = leadlag(data, "BTC", "ETH/BTC", freq="W", max_lag=4, reps=50, seed=1)
    np.testing.assert_allclose(direct.ccf["corr"], manual.ccf["corr"], atol=1e-5)
    assert "ETH against BTC" in direct.definition
    with pytest.raises(ValueError, match="not A/B"):
        leadlag(data, "ETH/", "BTC", freq="W", max_lag=4, reps=50)


def test_forecast_is_pending_until_its_window_closes(store: Store, claims: list[Any]) -> None:
    (forecast,) = [c for c in claims if c.id == "NEXT"]
    (early,) = run_claims(store, [forecast], as_of="2025-08-15")
    assert early.grade == "pending" and early.parts[0].grade == "pending"
    eth = next(m for m in early.moves if m["asset"] == "ETH")
    assert eth["m1"] is not None and eth["m3"] is None and eth["m3_to"] == "not yet"
    (late,) = run_claims(store, [forecast], as_of=END)
    closes = _market(END)["ETH"]
    expected = closes.loc["2025-09-30"] / closes.loc[D] - 1
    moved = next(m for m in late.moves if m["asset"] == "ETH")
    assert moved["m3"] == pytest.approx(expected, rel=1e-6)
    assert late.grade == "consistent" and expected > 0.05
    assert {m["asset"] for m in late.moves} == {"ETH", "BTC"}


def test_needs_data_names_the_series_then_runs_once_imported(
    store_path: Path, claims: list[Any], tmp_path: Path
) -> None:
    import shutil

    (claim,) = [c for c in claims if c.id == "IMPORT"]
    copy = tmp_path / "copy.duckdb"
    shutil.copy(store_path, copy)
    with Store(copy, read_only=True) as store:
        (before,) = run_claims(store, [claim], as_of=END)
    assert before.grade == "data missing" and "MISSING_SERIES" in before.reason and "riskcurve import" in before.reason
    values = pd.Series([1.0, 1.5], index=pd.to_datetime(["2023-12-29", "2024-12-31"]))
    with Store(copy) as store:
        import_csv(store, _write_values(tmp_path / "m.csv", values), "MISSING_SERIES")
    with Store(copy, read_only=True) as store:
        (after,) = run_claims(store, [claim], as_of=END)
    assert after.grade == "consistent" and after.measured["value"] == pytest.approx(0.5)
    assert after.kind == "needs-data"


def test_needs_data_honours_the_date_of_its_then(store: Store) -> None:
    """A ``then`` dated on its own is measured as of that day, as an episode's part is."""
    text = f"""
claims:
  - id: WRAPPED
    statement: UP rose from the start of 2024
    source: test
    date: {END}
    kind: needs-data
    definition:
      series: [UP]
      then:
        statement: UP rose in 2024, as of its last day
        date: 2024-12-31
        kind: measure
        definition: {{series: UP, statistic: return, window: {{start: 2024-01-01}}}}
        expects: {{at_least: 0}}
  - id: PLAIN
    statement: UP rose in 2024, as of its last day
    source: test
    date: 2024-12-31
    kind: measure
    definition: {{series: UP, statistic: return, window: {{start: 2024-01-01}}}}
    expects: {{at_least: 0}}
"""
    wrapped, plain = run_claims(store, list(parse_claims(text).claims), as_of=END)
    assert wrapped.measured["value"] == pytest.approx(plain.measured["value"], rel=1e-12)
    assert str(wrapped.date) == "2024-12-31" and wrapped.data_as_of == plain.data_as_of
    # Undated, the same claim runs to the wrapper's day and measures more of the rise.
    undated = text.replace("        date: 2024-12-31\n", "")
    (later, _) = run_claims(store, list(parse_claims(undated).claims), as_of=END)
    assert later.measured["value"] != pytest.approx(plain.measured["value"], rel=1e-6)


def test_episode_grades_each_part(results: dict[str, ClaimResult]) -> None:
    episode = results["EPISODE"]
    assert [p.grade for p in episode.parts] == ["consistent", "contradicted"]
    assert episode.grade == "partly consistent"
    assert [p.id for p in episode.parts] == ["EPISODE.true_part", "EPISODE.false_part"]


def test_every_result_has_a_grade_and_a_reason(results: dict[str, ClaimResult]) -> None:
    import json

    from riskcurve.stats.claims import results_frame

    frame = results_frame(list(results.values()))
    assert list(frame.index) == list(results) and frame.loc["UP", "grade"] == "consistent"
    assert results["EPISODE"].summary().splitlines()[-1].startswith("  - EPISODE.false_part: contradicted")

    for result in results.values():
        assert result.grade in GRADES and result.reason, result.id
        json.dumps(result.to_dict(), allow_nan=False)


def test_result_as_of_d_is_unchanged_when_later_data_arrive(
    store_path: Path, store_to_d: Path, claims: list[Any]
) -> None:
    chosen = [c for c in claims if str(c.date) <= D and c.id not in ("NEXT",)]
    with Store(store_to_d, read_only=True) as store:
        then = {r.id: r.to_dict() for r in run_claims(store, chosen, as_of=D, reps=200)}
    with Store(store_path, read_only=True) as store:
        now = {r.id: r.to_dict() for r in run_claims(store, chosen, as_of=END, reps=200)}
    for cid, result in then.items():
        later = dict(now[cid])
        # A history claim also shows the same study on all the data ("now", a part of its own);
        # what it says as of its date must not move.
        if later["kind"] == "history":
            assert [p["id"] for p in later["parts"]] == [f"{cid}.now"], cid
            later["parts"] = []
            later["measured"] = {k: v for k, v in later["measured"].items() if k != "now"}
        # Only where the data read runs to may differ (the later store's series run longer).
        assert {k: v for k, v in result.items() if k != "data"} == {k: v for k, v in later.items() if k != "data"}, cid


# -- the language ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("broken", "replacement", "field", "words"),
    [
        ("tolerance: 0}", "tolerance: -1}", "claims[6].expects.tolerance", "greater than or equal"),
        ("statistic: max", "statistic: maximum", "claims[6].definition.statistic", "Input should be"),
        ("kind: conditional", "kind: conditionl", "claims[8].kind", "unknown kind"),
        ("targets: [UP]", "target: [UP]", "claims[0].definition.target", "unknown field"),
        ("signal: relative-strength", "signal: relative-strenght", "claims[6].definition.signal", "unknown signal"),
    ],
)
def test_a_malformed_file_gets_one_error_with_file_line_and_field(
    broken: str, replacement: str, field: str, words: str
) -> None:
    text = CLAIMS.replace(broken, replacement, 1)
    expected_line = next(i for i, row in enumerate(text.splitlines(), start=1) if replacement in row)
    with pytest.raises(ClaimFileError) as raised:
        parse_claims(text, "mine.yaml")
    error = raised.value
    assert (error.file, error.line, error.field) == ("mine.yaml", expected_line, field)
    assert words in error.message
    assert str(error).startswith(f"mine.yaml, line {expected_line}: {field}: ")


def test_yaml_errors_and_missing_fields_name_the_line() -> None:
    with pytest.raises(ClaimFileError, match=r"x.yaml, line 3: not valid YAML"):
        parse_claims("claims:\n  - id: A\n    statement: a: b\n", "x.yaml")
    with pytest.raises(ClaimFileError, match=r"line 2: claims\[0\]\.statement: required field missing"):
        parse_claims("claims:\n  - id: A\n    source: s\n    date: 2026-01-01\n    kind: measure\n", "x.yaml")
    with pytest.raises(ClaimFileError, match=r"line 2: claims\[0\]\.date: Input should be a valid date"):
        parse_claims("claims:\n  - {id: A, statement: s, source: s, date: 2026-13-01, kind: forecast}\n", "x.yaml")
    with pytest.raises(ClaimFileError, match=r"line 2: claims\[0\]\.source: required field missing"):
        parse_claims(
            "claims:\n  - id: A\n    statement: s\n    date: 2026-01-01\n    kind: forecast\n"
            "    definition: {assets: [BTC]}\n    expects: {at_least: 0}\n",
            "x.yaml",
        )


def test_the_builtin_pack_covers_every_claim() -> None:
    pack = builtin_claims()
    # C01-C47 from ../shared/CLAIMS.md, then C48-C49: the articles' ETF-flow statements.
    assert [c.id for c in pack] == [f"C{i:02d}" for i in range(1, 50)]
    assert {c.kind for c in pack} == {
        "measure",
        "episode",
        "history",
        "lead-lag",
        "conditional",
        "order",
        "forecast",
        "needs-data",
    }
    assert {c.id for c in pack if c.kind == "forecast"} == {"C17", "C45", "C46", "C47"}


def test_every_example_in_the_docs_is_a_valid_claim_file() -> None:
    import re

    text = (Path(__file__).parents[3] / "docs" / "claims.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", text, flags=re.S)
    assert len(blocks) >= 8
    for block in blocks:
        assert parse_claims(block, "docs/claims.md").claims


def test_a_definition_the_machinery_refuses_is_reported_not_raised(store: Store) -> None:
    text = f"""
claims:
  - id: BAD
    statement: breakouts after a negative base
    source: test
    date: {D}
    kind: history
    definition:
      events: {{signal: breakout, symbol: RUT, parameters: {{basis: nonsense}}}}
      targets: [BTC]
      horizons: [21]
    expects: {{direction: above, effect: 0.05}}
"""
    (result,) = run_claims(store, list(parse_claims(text).claims), as_of=END)
    assert result.grade == "data missing" and result.reason.startswith("could not be measured as defined: ")
    assert "nonsense" in result.reason
    # A count out of range is refused when the file is read, before anything runs (issue 20).
    with pytest.raises(ClaimFileError, match=r"line 9: .*min_base=-5 of signal 'breakout' must be a whole number"):
        parse_claims(text.replace("basis: nonsense", "min_base: -5"))


def test_a_check_standing_before_the_claims_date_says_so(store: Store, claims: list[Any]) -> None:
    (claim,) = [c for c in claims if c.id == "RET"]
    (result,) = run_claims(store, [claim], as_of="2025-03-31")
    assert result.reason.endswith(f"(only data to 2025-03-31 were visible, before the claim's date {D})")
    assert result.data_as_of is not None and result.data_as_of.isoformat() == "2025-03-31"


def test_a_family_is_not_supported_only_if_no_test_measured_the_claimed_effect() -> None:
    """A powered test that found nothing says "not supported" unless another measured as much as claimed.

    Horizon 5's test could detect 2.6% and found 1%; horizon 21's measured 6.9% in the claimed
    direction, more than the claimed 3%, but its test (MDE 10%) cannot decide: inconclusive.
    """
    from riskcurve.stats.claims.family import family_grade
    from riskcurve.stats.claims.language import Expects

    expects = Expects(direction="below", effect=0.03)
    rows = pd.DataFrame(
        {
            "horizon": [5, 21],
            "difference": [-0.0097, -0.069],
            "ci_low": [-0.03, -0.14],
            "ci_high": [0.01, 0.002],
            "p": [0.4, 0.026],
            "mde": [0.026, 0.10],
        }
    )
    grade, reason, _, _, mde = family_grade(rows, expects, n=100)
    assert grade == "inconclusive" and mde == pytest.approx(0.026)
    assert "at horizon 21 the difference -0.069 is as large as the claimed -0.03" in reason
    # Without the large estimate, the powered test's null result stands.
    rows.loc[1, "difference"] = -0.02
    assert family_grade(rows, expects, n=100)[0] == "not supported"
    # And an estimate as large as claimed in the other direction does not rescue the claim.
    rows.loc[1, "difference"] = 0.069
    assert family_grade(rows, expects, n=100)[0] == "not supported"


def test_counts_say_what_they_count(results: dict[str, ClaimResult], store: Store) -> None:
    """A run or a count of observations says sessions or days, by the series' calendar; figures say theirs."""
    from riskcurve.stats.claims.figures import figure_unit

    assert results["STREAK"].headline.startswith("12 sessions") and results["STREAK"].measured["unit"] == "sessions"
    text = f"""
claims:
  - id: RUN_BTC
    statement: BTC rose several days in a row
    source: test
    date: {END}
    kind: measure
    definition: {{series: BTC, transform: up, statistic: longest_run, window: {{start: 2025-01-01}}}}
    expects: {{at_least: 1}}
  - id: RUN_RUT
    statement: RUT rose several sessions in a row
    source: test
    date: {END}
    kind: measure
    definition: {{series: RUT, transform: up, statistic: longest_run, window: {{start: 2025-01-01}}}}
    expects: {{at_least: 1}}
"""
    btc, rut = run_claims(store, list(parse_claims(text).claims), as_of=END)
    assert btc.measured["unit"] == "days" and btc.headline.endswith("at least 1 days")
    assert rut.measured["unit"] == "sessions" and rut.headline.endswith("at least 1 sessions")
    assert figure_unit("halving-windows", "days_2020") == "days"
    assert figure_unit("january-effect", "n_kept_lead") == "years"
    assert figure_unit("most-correlated", "corr_GSPC") is None  # a correlation has none
