"""The HTML report on the snapshot: every section, real numbers, nothing loaded from outside."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import shutil
from pathlib import Path

import pytest

from riskcurve.cli import main
from riskcurve.data.store import Store
from riskcurve.report.background import claims_in_background
from riskcurve.report.html import build_report
from riskcurve.stats.claims import run_claims

AS_OF = "2026-02-20"  # pinned: the figures asserted below are those of this day

SECTIONS = (
    "regime",
    "breakout",
    "ratio",
    "liquidity",
    "liquidity-drivers",
    "cascade",
    "track-record",
    "study",
    "leadlag",
    "cycle",
    "altseason",
    "volatility",
    "claims",
    "next",
    "provenance",
    "glossary",
)


@pytest.fixture(scope="module")
def report(filled_store_path: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, object]:
    out = tmp_path_factory.mktemp("report") / "report.html"
    with Store(filled_store_path, read_only=True) as store:
        result = build_report(store, out, as_of=AS_OF, reps=200, seed=7)
    return out.read_text(encoding="utf-8"), result


def test_every_section_is_built_with_real_numbers(report: tuple[str, object]) -> None:
    text, result = report
    assert result.sections == SECTIONS  # type: ignore[attr-defined]
    assert result.failed == ()  # type: ignore[attr-defined]
    for key in SECTIONS:
        assert f"<section id='{key}'>" in text, key
    assert result.as_of.isoformat() == AS_OF  # type: ignore[attr-defined]
    # Numbers that can only come from the snapshot.
    assert "2,442.74" in text  # the 2021 closing high the 2025 breakout broke
    assert "2024-11-25" in text and "2025-09-18" in text  # intraday vs closing break
    assert "stage 3/5" in text  # the cascade on AS_OF
    assert "too few events to conclude" in text  # the honest event-study verdict
    assert "C29.after" in text and "+0.83%" in text  # the claim pack: supply inflation after the 2024 halving
    assert "What happened next" in text and "2026-04-21" in text  # the forecasts' window
    assert "Data: " in text  # every figure's caption states its data range


def test_the_track_record_section_shows_the_record_known_on_the_day(
    report: tuple[str, object], filled_store_path: Path
) -> None:
    from riskcurve import numbers
    from riskcurve.monitor.track_record import ALL_LINKS, weekly_track_record

    text, _ = report
    section = text[text.index("<section id='track-record'>") :]
    section = section[: section.index("</section>")]
    with Store(filled_store_path, read_only=True) as store:
        record = weekly_track_record(store, AS_OF)  # the snapshot store holds no back-fill: computed
    assert record.scored > 1000
    assert "back-filled here in memory" in section
    assert f"{AS_OF}: {record.verdict}" in section  # the verdict line ("as of" carries a glossary hover)
    assert f"{numbers.count(record.scored)} forecasts scored" in section
    # Both charts, drawn from the forecasts resolved by the report's day.
    assert "Reliability of the digest" in section and "Skill over the base rate, over time" in section
    assert f"Data: {record.scored_forecasts['as_of'].min().date()} to {AS_OF}" in section
    # Each pooled horizon's verdict, and "no skill shown" exactly where the interval covers zero.
    for (link, _horizon), score in record.scores.items():
        if link == ALL_LINKS:
            assert numbers.decimal(score.skill, 3, signed=True) in section
            if score.skill_low <= 0 <= score.skill_high:
                assert score.verdict == "no skill shown over the base rate"
            assert score.verdict in section


def test_the_jargon_is_explained_in_the_glossary_and_on_hover(report: tuple[str, object]) -> None:
    from riskcurve.report.glossary import hover_text

    text, _ = report
    section = text[text.index("<section id='glossary'>") :]
    section = section[: section.index("</section>")]
    for term in ("TGA", "RRP", "BAMLH0A0HYM2", "MDE", "Holm", "net liquidity", "log return"):
        explanation = hover_text(term)
        assert explanation, term
        assert f"<dt>{term}</dt>" in section, term
        # The same words as hover text where the term (or one of its spellings) first appears.
        assert f"<abbr class='gloss' title='{html.escape(explanation)}'>" in text, term


def test_report_is_self_contained(report: tuple[str, object]) -> None:
    text, _ = report
    assert not re.search(r"<script[^>]+src=", text)
    assert not re.search(r"<link[^>]+href=", text)
    assert "@import" not in text
    assert not re.search(r"url\(\s*['\"]?https?:", text)
    assert text.count("<script") >= 2  # plotly.js inlined once, plus one per figure


def test_report_cli_json(capsys: pytest.CaptureFixture[str], filled_store_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    try:
        main(
            [
                "report",
                "--out",
                str(out),
                "--as-of",
                "2021-01-15",
                "--reps",
                "100",
                "--store",
                str(filled_store_path),
                "--json",
            ]
        )
    except SystemExit as done:
        assert not done.code
    payload = json.loads(capsys.readouterr().out)
    assert payload["as_of"] == "2021-01-15" and payload["path"] == str(out)
    text = out.read_text(encoding="utf-8")
    assert "stage 5/5" in text
    assert oct(out.stat().st_mode & 0o777) == "0o644"


def test_claims_checked_in_another_process_are_those_checked_here(filled_store_path: Path) -> None:
    day = dt.date.fromisoformat(AS_OF)
    with claims_in_background(filled_store_path, day) as pending:
        there, reason = pending.result(filled_store_path) or (None, "the process failed")
    assert reason is None and there is not None
    with Store(filled_store_path, read_only=True) as store:
        here = run_claims(store, as_of=day)
    assert [json.dumps(r.to_dict(), sort_keys=True) for r in there] == [
        json.dumps(r.to_dict(), sort_keys=True) for r in here
    ]


def test_a_failed_background_check_is_done_here_instead(filled_store_path: Path, tmp_path: Path) -> None:
    day = dt.date.fromisoformat(AS_OF)
    with (
        claims_in_background(tmp_path / "no-such-store.duckdb", day) as broken,  # that process exits 1
        Store(filled_store_path, read_only=True) as store,
    ):
        result = build_report(store, tmp_path / "r.html", as_of=AS_OF, reps=100, seed=7, claims=broken)
    assert result.failed == ()
    assert "C29.after" in (tmp_path / "r.html").read_text(encoding="utf-8")


def test_claims_read_from_another_state_of_the_store_are_not_used(filled_store_path: Path, tmp_path: Path) -> None:
    # The report holds its store open, so the file's stamp is that of what it reads; an outcome
    # read under another stamp (a write came in between) is dropped and the claims checked again.
    other = tmp_path / "other.duckdb"
    shutil.copyfile(filled_store_path, other)
    with claims_in_background(filled_store_path, dt.date.fromisoformat(AS_OF)) as pending:
        assert pending.result(other) is None


def test_a_background_check_still_running_is_stopped_on_the_way_out(filled_store_path: Path) -> None:
    with claims_in_background(filled_store_path, None) as pending:
        process = pending._process
    assert process.returncode is not None  # killed and reaped, not left running
