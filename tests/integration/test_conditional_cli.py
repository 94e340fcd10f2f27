"""`riskcurve study --when` on the real snapshot: BTC while liquidity expands, alts at cascade stage >= 3."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from riskcurve.data.panel import MarketData
from riskcurve.data.store import Store
from riskcurve.signals.registry import get_signal
from riskcurve.stats.conditional import VERDICT_CODES

AS_OF = "2026-02-20"  # pinned: the numbers must not move when the snapshot grows


def _run(cli: Callable[..., tuple[int, str, str]], store: Path, *argv: str) -> dict:
    code, out, err = cli(
        "study", *argv, "--json", "--as-of", AS_OF, "--reps", "200", "--seed", "3", "--store", str(store)
    )
    assert code == 0, err
    return json.loads(out)


def test_btc_while_liquidity_expands_matches_an_independent_computation(
    cli: Callable[..., tuple[int, str, str]], filled_store_path: Path
) -> None:
    payload = _run(cli, filled_store_path, "--when", "liquidity=expanding", "--target", "BTC")
    assert payload["schema"] == "riskcurve.conditional_study/1" and payload["when"] == "liquidity=expanding"
    assert payload["verdict_code"] in VERDICT_CODES and payload["horizons"] == [21, 63]
    with Store(filled_store_path, read_only=True) as store:
        data = MarketData(store, as_of=AS_OF)
        regime = get_signal("liquidity").compute(data, None)["regime"]
        btc = data.close("BTC")
    # By hand: each BTC bar takes the regime known that day; the 21-bar return enters at the next close.
    state = regime.reindex(btc.index)
    forward = np.log(btc.shift(-22) / btc.shift(-1))
    ok = state.notna() & forward.notna()
    inside = forward[ok & (state == "expanding")]
    outside = forward[ok & (state != "expanding")]
    row = payload["results"][0]
    assert row["horizon"] == 21 and row["n_in"] == len(inside) and row["n_out"] == len(outside)
    assert row["mean_in"] == pytest.approx(inside.mean()) and row["mean_out"] == pytest.approx(outside.mean())
    flags = (state[ok] == "expanding").to_numpy()
    runs = 1 + int(np.count_nonzero(flags[1:] != flags[:-1]))
    assert row["spells_in"] + row["spells_out"] == runs
    assert 0 < row["p_two_sided"] <= 1 and row["p_holm"] >= row["p_two_sided"]


def test_alts_at_cascade_stage_three(cli: Callable[..., tuple[int, str, str]], filled_store_path: Path) -> None:
    payload = _run(cli, filled_store_path, "--when", "cascade>=3", "--target", "ALTS")
    assert payload["target"] == "ALTS" and payload["condition"]["column"] == "stage"
    assert all(r["spells_in"] >= 5 for r in payload["results"])
    assert payload["verdict"].startswith("cascade>=3 -> ALTS:")


def test_named_states_and_human_output(cli: Callable[..., tuple[int, str, str]], filled_store_path: Path) -> None:
    for when in ("rates=falling", "risk=off"):
        payload = _run(cli, filled_store_path, "--when", when, "--target", "RUT")
        assert payload["verdict_code"] in VERDICT_CODES and 0 < payload["share_in"] < 1
    code, out, err = cli(
        "study", "--when", "liquidity=contracting", "--target", "RUT", "--as-of", AS_OF, "--reps", "100", "--seed", "1",
        "--store", str(filled_store_path),
    )  # fmt: skip
    assert code == 0, err
    assert "Verdict (" in out and "rotation test" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--target", "BTC"], "either --events"),
        (["--events", "breakout:RUT", "--when", "liquidity=expanding", "--target", "BTC"], "either --events"),
        (["--when", "liquidity", "--target", "BTC"], "must be SIGNAL"),
        (["--when", "nope=1", "--target", "BTC"], "unknown signal 'nope'"),
        (["--when", "liquidity=sideways", "--target", "BTC"], "never 'sideways'"),
        (["--when", "cascade>=x", "--target", "BTC"], "is numeric"),
        (["--when", "liquidity=expanding", "--target", "WALCL"], "value series"),
    ],
)
def test_bad_input_exits_with_one_line(
    cli: Callable[..., tuple[int, str, str]], filled_store_path: Path, argv: list[str], message: str
) -> None:
    code, out, err = cli("study", *argv, "--reps", "50", "--store", str(filled_store_path), "--as-of", AS_OF)
    assert code != 0 and message in " ".join(err.split()) and not out


def test_state_series_have_no_look_ahead(filled_store_path: Path) -> None:
    # Truncation: the state as computed on an earlier as-of day equals the later computation up to that day.
    from riskcurve.signals.states import condition_state

    with Store(filled_store_path, read_only=True) as store:
        for when in ("liquidity=expanding", "rates=falling", "risk=off"):
            early = condition_state(MarketData(store, as_of="2019-06-30"), when)
            late = condition_state(MarketData(store, as_of=AS_OF), when)
            pd.testing.assert_series_equal(early, late.loc[: early.index[-1]], check_names=False)


def test_regime_events_are_directed(cli: Callable[..., tuple[int, str, str]], filled_store_path: Path) -> None:
    with Store(filled_store_path, read_only=True) as store:
        data = MarketData(store, as_of=AS_OF)
        liquidity = get_signal("liquidity").events(data, None)
        cascade = get_signal("cascade").events(data, None)
    assert (liquidity["transition"] == "to_" + liquidity["regime"].astype(str)).all()
    assert set(liquidity["transition"]) == {"to_expanding", "to_contracting", "to_flat"}
    assert (cascade["transition"] == cascade["link"] + "_to_" + cascade["state"]).all()
    common = ("--target", "BTC", "--reps", "50", "--seed", "1", "--as-of", AS_OF, "--store", str(filled_store_path))
    code, out, err = cli("study", "--events", "liquidity", *common)
    assert code == 1 and not out and "mix directions" in err and "liquidity:to_expanding" in err
    assert len(err.strip().splitlines()) == 1
    code, out, err = cli("study", "--events", "liquidity:to_expanding", "--json", *common)
    assert code == 0, err
    payload = json.loads(out)
    expected = liquidity.index[liquidity["transition"] == "to_expanding"]
    assert payload["events_name"] == "liquidity:to_expanding" and payload["events"]["given"] == len(expected)
    code, out, err = cli("study", "--events", "liquidity", "--mixed", "--json", *common)
    assert code == 0, err
    assert json.loads(out)["events"]["given"] == len(liquidity)
    code, out, err = cli("study", "--events", "cascade:small_caps_to_lit", "--json", *common)
    assert code == 0, err
    assert json.loads(out)["events"]["given"] == int((cascade["transition"] == "small_caps_to_lit").sum())
