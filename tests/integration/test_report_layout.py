"""The report read in a real browser: the first screen answers in five seconds, no table row sprawls.

Headless Chromium (Debian's /usr/bin/chromium, driven by Playwright) opens the report written
from the snapshot, on its default day, at a laptop's viewport (1366x768). Before any scrolling
the reader sees whether the data are stale (a loud banner naming the series and their last
dates, when they end more than a week before today), whether each dated forecast came true (in
words, with the measured moves), and the claims' statements grouped by grade, each linked to its
evidence. Skipped where Chromium or Playwright is missing, unless ``RISKCURVE_REQUIRE_BROWSER=1``.
With ``RISKCURVE_SCREENSHOT_DIR`` set (``docs`` regenerates the README's pictures), the first
screen and the top 2,400 pixels are saved there (``report-first-screen.png``, ``report.png``).
"""

from __future__ import annotations

import os
import random
import re
import shutil
from datetime import date
from pathlib import Path

import pytest

from riskcurve.data.release import today
from riskcurve.data.store import Store
from riskcurve.report.first_screen import STALE_AFTER_DAYS
from riskcurve.report.html import build_report
from riskcurve.signals.regime import CORE_SYMBOLS
from riskcurve.stats.claims import forecast_claims

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
VIEWPORT = {"width": 1366, "height": 768}
#: "A few lines of text": table text is 12-13 px on about 17 px lines, plus cell padding.
MAX_ROW_PX = 6 * 17 + 12
#: How a forecast's line starts: its outcome in words.
OUTCOMES = r"(Came true|Partly came true|Did not come true|Could not be told|Not decided until|Not graded)"


def _browser_or_skip() -> None:
    missing = None
    if not CHROMIUM.is_file():
        missing = f"{CHROMIUM} is missing (Debian: apt-get install chromium)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            missing = "the playwright Python package is not installed"
    if missing is None:
        return
    if os.environ.get("RISKCURVE_REQUIRE_BROWSER") == "1":
        pytest.fail(f"RISKCURVE_REQUIRE_BROWSER=1 but {missing}")
    pytest.skip(f"browser test skipped: {missing}")


@pytest.fixture(scope="module")
def report_file(filled_store_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("layout") / "report.html"
    with Store(filled_store_path, read_only=True) as store:
        build_report(store, out, reps=200, seed=7)  # the default day: what a reader opens
    return out


def _core_lasts(store_path: Path) -> dict[str, str]:
    with Store(store_path, read_only=True) as store:
        return {s: str(store.last_date(s)) for s in CORE_SYMBOLS if s in store.symbols()}


def _in_view(page, selector: str) -> bool:  # type: ignore[no-untyped-def]
    box = page.locator(selector).first.bounding_box()
    return box is not None and 0 <= box["y"] < VIEWPORT["height"]


def _fully_in_view(page, selector: str) -> bool:  # type: ignore[no-untyped-def]
    box = page.locator(selector).first.bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= VIEWPORT["height"]


def test_first_screen_and_table_rows(report_file: Path, filled_store_path: Path, tmp_path: Path) -> None:
    _browser_or_skip()
    from playwright.sync_api import sync_playwright

    state = random.getstate()  # Playwright's client draws from the global RNG: leave it as found
    with sync_playwright() as playwright:
        random.setstate(state)
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page(viewport=VIEWPORT)
            page.goto(report_file.as_uri())
            page.wait_for_load_state("load")
            # The banner, loud and first, exactly when the core series end more than a week before today.
            lasts = _core_lasts(filled_store_path)
            newest = max(lasts.values())
            behind = (today() - date.fromisoformat(newest[:10])).days
            banner = page.locator("#summary #freshness")
            assert banner.count() == (1 if behind > STALE_AFTER_DAYS else 0)
            if behind > STALE_AFTER_DAYS:
                assert _in_view(page, "#summary #freshness")
                said = banner.inner_text()
                assert f"{behind} days before" in said and newest[:10] in said
                for symbol, last in lasts.items():
                    assert symbol in said and last[:10] in said, symbol
            # The weekly digest's verdict, in words, right under the banner; its detail collapsed.
            assert _in_view(page, "#summary #this-week .digest h2")
            verdict = page.inner_text("#summary #this-week .digest h2")
            assert re.search(r"the cascade is (advancing|stalled|refuted|unknown)", verdict), verdict
            assert page.locator("#summary #this-week details:not([open])").count() == 1
            order = page.eval_on_selector_all("#summary > .panel", "els => els.map(e => e.id)")
            top = ["freshness", "this-week"] if behind > STALE_AFTER_DAYS else ["this-week"]
            assert order[: len(top)] == top, order  # the loud banner first, then the week's answer
            # Did the call come true? Every dated forecast in one line of words, with its moves.
            assert _in_view(page, "#summary #call")
            assert _fully_in_view(page, "#summary #call ul.forecasts li >> nth=-1")
            lines = page.locator("#summary #call ul.forecasts li").all_inner_texts()
            assert len(lines) == len(forecast_claims())
            for line in lines:
                assert re.match(
                    r"(Came true|Partly came true|Did not come true|Could not be told|Not decided|Not gr)", line
                )
                assert re.search(r"[+-]\d+(\.\d)?%", line) or "No move measured yet" in line, line
            # Which claims hold? Statements grouped by grade, in view, each linked to its evidence.
            assert _in_view(page, "#summary #claims-hold .grade-group")
            links = page.eval_on_selector_all(
                "#summary #claims-hold .scorecard a", "els => els.map(e => [e.hash, e.innerText])"
            )
            assert len(links) >= 3
            for hash_, text in links:
                assert not re.fullmatch(r"\s*C\d+\s*", text), f"a bare claim id {text!r}"
                assert len(text.split()) >= 3, text
                assert page.locator(f"#claims tr{hash_}").count() == 1, hash_
            # At least a few claim statements are read whole without scrolling.
            whole = page.eval_on_selector_all(
                "#summary #claims-hold .scorecard a",
                f"els => els.filter(e => e.getBoundingClientRect().bottom <= {VIEWPORT['height']}).length",
            )
            assert whole >= 3, whole
            # Where are we now? The regime starts on the first screen too.
            assert _in_view(page, "#summary #now table.regime")
            # No table row a reader sees taller than a few lines (the collapsed detail is not seen).
            heights = page.eval_on_selector_all(
                "table tr",
                "rows => rows.filter(r => !r.closest('details:not([open])'))"
                ".map(r => [r.getBoundingClientRect().height, r.innerText.slice(0, 80)])",
            )
            assert len(heights) > 50
            tall = [(h, text) for h, text in heights if h > MAX_ROW_PX]
            assert tall == [], tall
            # Numbers read as numbers: no raw floats with six decimals in the visible tables.
            visible = page.eval_on_selector_all(
                "main > section table.data td", "cells => cells.filter(c => c.offsetParent).map(c => c.innerText)"
            )
            assert visible and not [v for v in visible if re.fullmatch(r"-?\d+\.\d{5,}", v)]
            first = tmp_path / "report-first-screen.png"
            whole = tmp_path / "report.png"
            page.screenshot(path=str(first))
            # The top of the page, as docs/report.png shows it (the whole page is tens of screens).
            page.screenshot(
                path=str(whole), full_page=True, clip={"x": 0, "y": 0, "width": VIEWPORT["width"], "height": 2400}
            )
        finally:
            browser.close()
    assert first.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    target = os.environ.get("RISKCURVE_SCREENSHOT_DIR")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(first, Path(target) / "report-first-screen.png")
        shutil.copyfile(whole, Path(target) / "report.png")
