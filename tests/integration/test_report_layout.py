"""The report read in a real browser: the first screen answers both questions, no table row sprawls.

Headless Chromium (Debian's /usr/bin/chromium, driven by Playwright) opens the report written
from the snapshot at a laptop's viewport. Skipped where Chromium or Playwright is missing,
unless ``RISKCURVE_REQUIRE_BROWSER=1``. With ``RISKCURVE_SCREENSHOT_DIR`` set, the first screen
and the top 2,400 pixels are saved there (``report-first-screen.png``, ``report.png``).
"""

from __future__ import annotations

import os
import random
import re
import shutil
from pathlib import Path

import pytest

from riskcurve.data.store import Store
from riskcurve.report.html import build_report

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
VIEWPORT = {"width": 1400, "height": 900}
AS_OF = "2026-02-20"
#: "A few lines of text": table text is 12-13 px on about 17 px lines, plus cell padding.
MAX_ROW_PX = 6 * 17 + 12


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
        build_report(store, out, as_of=AS_OF, reps=200, seed=7)
    return out


def test_first_screen_and_table_rows(report_file: Path, tmp_path: Path) -> None:
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
            # Both answers fit the first viewport, the scorecard whole.
            for selector in ("#summary .now table.regime", "#summary table.scorecard"):
                box = page.locator(selector).bounding_box()
                assert box is not None, selector
                assert box["y"] >= 0 and box["y"] + box["height"] <= VIEWPORT["height"], (selector, box)
            assert page.locator("#summary table.scorecard tbody tr").count() >= 3
            # Every grade's claims link to their rows in the claims section.
            links = page.eval_on_selector_all("#summary table.scorecard a", "els => els.map(e => e.hash)")
            assert links
            for hash_ in links:
                assert page.locator(f"#claims tr{hash_}").count() == 1, hash_
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
            page.screenshot(path=str(whole), full_page=True, clip={"x": 0, "y": 0, "width": 1400, "height": 2400})
        finally:
            browser.close()
    assert first.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    target = os.environ.get("RISKCURVE_SCREENSHOT_DIR")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(first, Path(target) / "report-first-screen.png")
        shutil.copyfile(whole, Path(target) / "report.png")
