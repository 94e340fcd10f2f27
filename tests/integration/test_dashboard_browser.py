"""The live dashboard, end to end, in a real headless Chromium driven by Playwright.

The app is served from a thread on 127.0.0.1 (an ephemeral port) over a store filled from the
snapshot. The browser loads the page, reads the regime panel, moves the as-of date, and checks
the panel shows what :func:`riskcurve.signals.regime.regime` says for that day; the track
record's reliability diagram and skill curve render with the points the day's record has. A second test
drives the first screen: the stale-data banner, the forecasts in words, the claims scorecard
linked to every claim's evidence, an empty chart that says why, and a typed date that is not a
date; the weekly digest's verdict on top with its detail collapsed, and hover text from the
glossary on every term each first-screen block shows. The first screen (1366x768) is written to ``tmp_path`` and, when
``RISKCURVE_SCREENSHOT_DIR`` is set (``docs`` regenerates the README's picture), copied there as
``dashboard.png``.

Skipped (with the reason) where ``/usr/bin/chromium`` or Playwright is missing, unless
``RISKCURVE_REQUIRE_BROWSER=1`` (CI), where that is a failure.
"""

from __future__ import annotations

import os
import random
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pandas as pd
import pytest

from riskcurve.data.release import today
from riskcurve.data.store import Store
from riskcurve.report.first_screen import STALE_AFTER_DAYS
from riskcurve.signals.regime import CORE_SYMBOLS, default_as_of, regime
from riskcurve.stats.claims import builtin_claims, forecast_claims

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: Generous: the first load computes every panel, on a shared 2-core machine.
TIMEOUT_MS = 180_000
VIEWPORT = {"width": 1366, "height": 768}


def _browser_or_skip() -> None:
    required = os.environ.get("RISKCURVE_REQUIRE_BROWSER") == "1"
    missing = None
    if not CHROMIUM.is_file():
        missing = f"{CHROMIUM} is missing (Debian: apt-get install chromium)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            missing = "the playwright Python package is not installed (pip install playwright)"
    if missing is None:
        return
    if required:
        pytest.fail(f"RISKCURVE_REQUIRE_BROWSER=1 but {missing}")
    pytest.skip(f"browser test skipped: {missing}")


@pytest.fixture
def dashboard_url(filled_store_path: Path) -> Iterator[str]:
    """The dashboard served by waitress from a background thread on 127.0.0.1; shut down afterwards."""
    _browser_or_skip()
    from riskcurve.dashboard.app import create_app
    from riskcurve.dashboard.server import start

    # The production server `riskcurve dashboard` runs (waitress), on an ephemeral port.
    with start(create_app(filled_store_path).server) as server:
        yield server.url


def _text(page, element_id: str) -> str:  # type: ignore[no-untyped-def]
    # textContent, not innerText: a panel under a loading spinner is hidden but already filled.
    return str(page.evaluate("(id) => (document.getElementById(id) || {}).textContent || ''", element_id))


def _set_as_of(page, day: str) -> None:  # type: ignore[no-untyped-def]
    page.fill("#as-of", day)
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")  # close the calendar pop-up
    page.wait_for_function(
        "(day) => (document.getElementById('regime-as-of') || {}).textContent === day", arg=day, timeout=TIMEOUT_MS
    )


def _expected(store_path: Path, day: str | None) -> tuple[str, dict[str, str]]:
    with Store(store_path, read_only=True) as store:
        if day is None:
            day = default_as_of(store)[0].date().isoformat()
        picture = regime(store, day)
    return day, {item.name: item.headline for item in picture.items}


def _track_record_expected(store_path: Path, day: str) -> tuple[str, int, int]:
    """The verdict line, the reliability bins (all horizons) and the 63-session skill points of ``day``."""
    from riskcurve.monitor.track_record import reliability_tables, skill_curves, weekly_track_record
    from riskcurve.report.track_record import verdict_text

    with Store(store_path, read_only=True) as store:
        record = weekly_track_record(store, day)
    return verdict_text(record), len(reliability_tables(record)["all"]), len(skill_curves(record)[63])


def _count(page, selector: str) -> int:  # type: ignore[no-untyped-def]
    return int(page.evaluate("(s) => document.querySelectorAll(s).length", selector))


def test_dashboard_shows_the_regime_and_follows_the_as_of_date(
    dashboard_url: str, filled_store_path: Path, tmp_path: Path
) -> None:
    from playwright.sync_api import sync_playwright

    default_day, default_values = _expected(filled_store_path, None)
    day_2017, values_2017 = _expected(filled_store_path, "2017-06-01")
    day_2021, values_2021 = _expected(filled_store_path, "2021-01-15")
    # The snapshot facts the page must reproduce (checked with `riskcurve regime --as-of D --json`).
    assert values_2017["cascade"].startswith("stage 2/5")
    assert values_2021["cascade"].startswith("stage 5/5")

    hosts: set[str] = set()
    page_errors: list[str] = []
    # Starting Playwright's client draws from Python's global RNG (a test tool, not code under
    # test): put the state back so the autouse guard still catches any use by the dashboard.
    rng_state = random.getstate()
    with sync_playwright() as playwright:
        random.setstate(rng_state)
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport=VIEWPORT)
            page.on("request", lambda request: hosts.add(urlsplit(request.url).netloc))
            page.on("pageerror", lambda error: page_errors.append(str(error)))
            page.goto(dashboard_url)

            # The page loads and the regime panel shows the default day's real values.
            page.wait_for_function(
                "(day) => (document.getElementById('regime-as-of') || {}).textContent === day",
                arg=default_day,
                timeout=TIMEOUT_MS,
            )
            assert page.input_value("#as-of") == default_day
            first_cascade = _text(page, "regime-cascade")
            first_liquidity = _text(page, "regime-liquidity")
            assert first_cascade.startswith(default_values["cascade"])
            assert first_liquidity.startswith(default_values["liquidity"])
            for name in ("breakout", "relative-strength", "divergence", "altseason", "cycle", "volatility"):
                assert _text(page, f"regime-{name}").startswith(default_values[name]), name

            # The track record's two charts render with data: a point per reliability bin (and its
            # bar of counts), a point per quarter of the skill curve, under the verdict of the day.
            verdict, bins, quarters = _track_record_expected(filled_store_path, default_day)
            page.wait_for_function(
                "(v) => ((document.getElementById('track-record-verdict') || {}).textContent || '') === v",
                arg=verdict,
                timeout=TIMEOUT_MS,
            )
            page.wait_for_function(
                "() => document.querySelectorAll('#figure-skill-over-time .scatterlayer .point').length > 0",
                timeout=TIMEOUT_MS,
            )
            assert _count(page, "#figure-reliability .scatterlayer .point") == bins >= 5
            assert _count(page, "#figure-reliability .barlayer .point") == bins
            assert _count(page, "#figure-skill-over-time .scatterlayer .point") == quarters >= 20
            assert _count(page, "#figure-skill-over-time .scatterlayer .js-fill") >= 1  # the interval band
            assert "Reliability of the digest" in _text(page, "figure-reliability")

            # Moving the as-of date changes the values, to what the regime says on that day.
            _set_as_of(page, day_2017)
            cascade_2017 = _text(page, "regime-cascade")
            assert cascade_2017 != first_cascade
            assert cascade_2017.startswith("stage 2/5")
            assert cascade_2017.startswith(values_2017["cascade"])
            assert _text(page, "regime-liquidity").startswith(values_2017["liquidity"])
            assert _text(page, "regime-liquidity") != first_liquidity
            # The track record follows the day: only forecasts resolved by then.
            verdict_2017, _, _ = _track_record_expected(filled_store_path, day_2017)
            assert verdict_2017 != verdict
            page.wait_for_function(
                "(v) => ((document.getElementById('track-record-verdict') || {}).textContent || '') === v",
                arg=verdict_2017,
                timeout=TIMEOUT_MS,
            )

            _set_as_of(page, day_2021)
            assert _text(page, "regime-cascade").startswith("stage 5/5")
            assert _text(page, "regime-cascade").startswith(values_2021["cascade"])
            assert _text(page, "regime-liquidity").startswith(values_2021["liquidity"])

            # The charts follow the day too: the breakout chart's caption ends its data range on it.
            page.wait_for_function(
                "(day) => ((document.getElementById('figure-breakout') || {}).textContent || '').includes('to ' + day)",
                arg=day_2021,
                timeout=TIMEOUT_MS,
            )
            page.wait_for_function(
                "() => document.querySelectorAll('[data-dash-is-loading=\"true\"]').length === 0",
                timeout=TIMEOUT_MS,
            )
            assert "stage 5/5" in _text(page, "figure-cascade-chain")
        finally:
            browser.close()

    # Everything came from the dashboard itself: no CDN, no fonts, no telemetry.
    assert hosts == {urlsplit(dashboard_url).netloc}
    assert page_errors == []


def _idle(page) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_function(
        "() => document.querySelectorAll('[data-dash-is-loading=\"true\"]').length === 0", timeout=TIMEOUT_MS
    )


def _unexplained(page, block: str) -> list[str]:  # type: ignore[no-untyped-def]
    """Glossary terms written in ``block`` (series ids, acronyms, phrases) with no hover text there."""
    from riskcurve.report import glossary

    text, titles = page.evaluate(
        "(id) => { const el = document.getElementById(id);"
        " return [el.innerText, [...el.querySelectorAll('[title]')].map(e => e.title)]; }",
        block,
    )
    missing = []
    for entry in glossary.entries():
        for spelling in entry.spellings:
            notable = any(c.isupper() for c in spelling) or ((" " in spelling or "-" in spelling) and len(spelling) > 4)
            shown = re.search(rf"(?<![\w.-]){re.escape(spelling)}(?![\w-])", text)
            if notable and shown and entry.text not in titles:
                missing.append(spelling)
    return missing


def test_the_first_screen_answers_and_every_control_says_what_is_wrong(
    dashboard_url: str, filled_store_path: Path, tmp_path: Path
) -> None:
    from playwright.sync_api import sync_playwright

    with Store(filled_store_path, read_only=True) as store:
        lasts = {s: pd.Timestamp(store.last_date(s)).date() for s in CORE_SYMBOLS if s in store.symbols()}
        default_day = default_as_of(store)[0].date().isoformat()
    newest = max(lasts.values())
    behind = (today() - newest).days
    n_forecasts, n_claims = len(forecast_claims()), len(builtin_claims())

    rng_state = random.getstate()
    with sync_playwright() as playwright:
        random.setstate(rng_state)
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport=VIEWPORT)
            page.goto(dashboard_url)
            page.wait_for_selector("#forecast-outcomes", timeout=TIMEOUT_MS)
            _idle(page)

            # The stale-data banner, exactly when the core series end more than a week before today.
            assert page.locator("#freshness").count() == (1 if behind > STALE_AFTER_DAYS else 0)
            if behind > STALE_AFTER_DAYS:
                said = page.inner_text("#freshness")
                assert f"{behind} days before {today().isoformat()}" in said
                for symbol, last in lasts.items():
                    assert symbol in said and last.isoformat() in said, symbol

            # Did the call come true? Each forecast in words, with its measured moves, in view.
            lines = page.locator("#forecast-outcomes li").all_inner_texts()
            assert len(lines) == n_forecasts
            assert all(re.search(r"[+-]\d+(\.\d)?%", line) for line in lines), lines
            box = page.locator("#call").bounding_box()
            assert box is not None and box["y"] < VIEWPORT["height"]

            # Which claims hold? Every claim's statement, grouped by grade, linked to its evidence row.
            links = page.eval_on_selector_all("#claims-hold .scorecard a", "els => els.map(e => [e.hash, e.innerText])")
            assert len(links) == n_claims
            for hash_, text in links:
                assert not re.fullmatch(r"\s*C\d+\s*", text) and len(text.split()) >= 3, text
                assert page.locator(f"#claims-table tr{hash_}").count() == 1, hash_
            box = page.locator("#claims-hold").bounding_box()
            assert box is not None and box["y"] < VIEWPORT["height"]
            whole = page.eval_on_selector_all(
                "#claims-hold .scorecard a",
                f"els => els.filter(e => e.getBoundingClientRect().bottom <= {VIEWPORT['height']}).length",
            )
            assert whole >= 3, f"only {whole} claim statements can be read without scrolling"
            # The week's verdict in words at the top, its detail collapsed.
            verdict = page.locator("#digest-call")
            box = verdict.bounding_box()
            assert box is not None and box["y"] + box["height"] <= VIEWPORT["height"]
            assert verdict.inner_text() in ("advancing", "stalled", "refuted", "unknown")
            assert page.locator("#digest-panel details:not([open])").count() == 1
            # Every term and series id shown has hover text from the glossary file, as in the report.
            for block in ("freshness", "digest-panel", "forecast-outcomes", "claims-scorecard", "regime-panel"):
                if page.locator(f"#{block}").count():
                    unexplained = _unexplained(page, block)
                    assert not unexplained, (block, unexplained)
            assert page.locator("[id^=chart-terms-] abbr[title]").count() >= 5  # chart titles' terms
            shot = tmp_path / "dashboard.png"
            page.screenshot(path=str(shot))

            # Before the forecasts were made: none resolved, and the empty chart says why.
            _set_as_of(page, "2017-06-01")
            page.wait_for_function(
                "() => ((document.getElementById('forecast-outcomes') || {}).textContent || '').includes('None of')",
                timeout=TIMEOUT_MS,
            )
            assert page.locator("#forecast-outcomes li.open").count() == n_forecasts
            page.wait_for_function(
                "() => ((document.getElementById('figure-forecasts') || {}).textContent || '')"
                ".includes('later than this day')",
                timeout=TIMEOUT_MS,
            )
            assert page.locator("#claims-table tbody tr").count() == n_claims  # the scorecard follows the day
            assert page.locator("#freshness").count() == 0  # a day in the past is judged against itself

            # A typed date that is not a date says so, and stays as typed (it is not silently reverted).
            page.fill("#as-of", "2026-02-30")
            page.keyboard.press("Enter")
            page.wait_for_function(
                "() => ((document.getElementById('as-of-message') || {}).textContent || '').includes('not a')",
                timeout=TIMEOUT_MS,
            )
            assert "YYYY-MM-DD" in page.inner_text("#as-of-message")
            assert page.input_value("#as-of") == "2026-02-30"
            page.wait_for_selector("#regime-error", timeout=TIMEOUT_MS)
            # Fixed, the message goes and the day is shown.
            _set_as_of(page, default_day)
            assert page.inner_text("#as-of-message").strip() == ""
        finally:
            browser.close()

    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    target = os.environ.get("RISKCURVE_SCREENSHOT_DIR")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, Path(target) / "dashboard.png")
