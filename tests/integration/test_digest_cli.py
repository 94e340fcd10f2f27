"""`riskcurve digest` on the snapshot: the forecasts marked to market, the odds' evidence, stale inputs."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from riskcurve.data.store import Store
from riskcurve.stats.claims import builtin_claims

Cli = Callable[..., tuple[int, str, str]]


def _digest(cli: Cli, store: Path, *argv: str) -> dict[str, object]:
    code, out, err = cli("digest", *argv, "--store", str(store), "--json")
    assert code == 0, err
    return json.loads(out)


def test_c45_is_pending_and_marked_from_its_date(cli: Cli, filled_store_path: Path) -> None:
    document = _digest(cli, filled_store_path, "--as-of", "2026-02-01")
    claim = next(c for c in builtin_claims() if c.id == "C45")
    start = pd.Timestamp(claim.date)  # type: ignore[arg-type]
    end = start + pd.DateOffset(months=max(claim.definition.months))  # type: ignore[union-attr]
    c45 = next(f for f in document["forecasts"] if f["id"] == "C45")  # type: ignore[union-attr, index]
    assert c45["status"] == "pending"
    assert c45["window_end"] == end.date().isoformat()
    assert c45["days_left"] == (end - pd.Timestamp("2026-02-01")).days
    with Store(filled_store_path, read_only=True) as store:
        eth = store.prices("ETH")["close"]
    for asset in c45["assets"]:
        assert asset["start_date"] == "2026-01-21"
        assert asset["last_date"] == "2026-02-01"
        assert asset["needs"]
        assert asset["so_far"] == pytest.approx(asset["last_close"] / asset["start_close"] - 1)
    eth_mark = next(a for a in c45["assets"] if a["asset"] == "ETH")
    assert eth_mark["start_close"] == pytest.approx(eth["2026-01-21"])
    assert eth_mark["last_close"] == pytest.approx(eth["2026-02-01"])


def test_probabilities_carry_their_evidence(cli: Cli, filled_store_path: Path) -> None:
    document = _digest(cli, filled_store_path, "--as-of", "2026-02-01")
    dark = {k["link"] for k in document["links"] if k["state"] == "dark"}  # type: ignore[union-attr, index]
    probabilities = document["probabilities"]
    assert dark and {p["link"] for p in probabilities} == dark  # type: ignore[union-attr, index]
    for p in probabilities:  # type: ignore[union-attr]
        assert p["horizon"] in (21, 63, 126)
        assert p["episodes"] > 0 and p["base_days"] > 0
        assert p["raw_low"] <= p["raw"] <= p["raw_high"]
        assert p["shrunk_low"] <= p["shrunk"] <= p["shrunk_high"]
        # The shrunk figure lies between the raw one and the base rate.
        assert min(p["raw"], p["base_rate"]) - 1e-12 <= p["shrunk"] <= max(p["raw"], p["base_rate"]) + 1e-12
    assert document["verdict"]["call"] in ("advancing", "stalled", "refuted")  # type: ignore[index]


def test_a_stopped_input_is_named_and_its_link_unknown(cli: Cli, filled_store_path: Path) -> None:
    with Store(filled_store_path, read_only=True) as store:
        last = store.last_date("BAMLH0A0HYM2")
    assert last is not None
    day = (last + pd.Timedelta(days=20)).date().isoformat()
    document = _digest(cli, filled_store_path, "--as-of", day)
    bonds = next(k for k in document["links"] if k["link"] == "bonds_credit")  # type: ignore[union-attr, index]
    assert bonds["state"] == "unknown"
    # It says which input stopped, and since when (the 10-year yield may have stopped with it).
    assert "no data since" in bonds["stale"] and any(s in bonds["stale"] for s in ("BAMLH0A0HYM2", "DGS10"))
    assert bonds["through"] <= last.date().isoformat()
    stage = document["stage"]
    assert stage["low"] < stage["high"] and "unknown" in stage["text"]  # type: ignore[index, operator]
    assert document["verdict"]["call"] == "unknown"  # type: ignore[index]


@pytest.mark.parametrize(
    ("fmt", "marker"), [("text", "digest as of"), ("markdown", "**"), ("html", "<div class='digest'")]
)
def test_every_format_renders(cli: Cli, filled_store_path: Path, fmt: str, marker: str) -> None:
    code, out, err = cli("digest", "--as-of", "2026-02-01", "--format", fmt, "--store", str(filled_store_path))
    assert code == 0, err
    assert marker in out and "C45" in out


def test_a_bad_format_is_one_line(cli: Cli, filled_store_path: Path) -> None:
    code, out, err = cli("digest", "--format", "pdf", "--store", str(filled_store_path))
    assert code == 2 and out == ""
    assert "--format" in err and len(err.strip().splitlines()) == 1


def test_the_report_opens_with_the_digest(cli: Cli, filled_store_path: Path, tmp_path: Path) -> None:
    out_file = tmp_path / "report.html"
    argv = ["report", "--out", str(out_file), "--no-png", "--reps", "50", "--as-of", "2026-02-01"]
    code, _, err = cli(*argv, "--store", str(filled_store_path))
    assert code == 0, err
    page = out_file.read_text(encoding="utf-8")
    # On the first screen, under the stale-data banner and before "Did the call come true?".
    assert page.index("id='summary'") < page.index("id='digest'") < page.index("id='call'")
    assert "C45" in page[page.index("id='digest'") : page.index("id='call'")]


def test_the_dashboard_opens_with_the_digest(filled_store_path: Path) -> None:
    from riskcurve.dashboard.app import create_app

    app = create_app(filled_store_path)
    update = app.callback_map["..digest-title.children...digest-panel.children.."]["callback"].__wrapped__
    title, body = update("2026-02-01")
    assert "2026-02-01" in title[0] and title[1].id == "digest-call"
    assert title[1].children in ("advancing", "stalled", "refuted", "unknown")
    *_, details = body.children  # the whole digest, folded
    summary, detail = details.children
    first = detail.children[0].children[0]  # the Markdown's first line, in bold
    assert first.children == ["riskcurve digest, 2026-02-01"]
    assert "C45" in str(detail.to_plotly_json())
    title, said = update("1980-01-01")
    assert title == "" and said.startswith("The weekly digest could not be computed")
