"""The live dashboard, end to end, in a real headless Chromium driven by Playwright.

The app is served from a thread on 127.0.0.1 (an ephemeral port) over a store filled from the
snapshot. The browser loads the page, reads the regime panel, moves the as-of date, and checks
the panel shows what :func:`riskcurve.signals.regime.regime` says for that day. A screenshot is
written to ``tmp_path`` and, when ``RISKCURVE_SCREENSHOT_DIR`` is set, copied there as
``dashboard.png``.

Skipped (with the reason) where ``/usr/bin/chromium`` or Playwright is missing, unless
``RISKCURVE_REQUIRE_BROWSER=1`` (CI), where that is a failure.
"""

from __future__ import annotations

import os
import random
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from riskcurve.data.store import Store
from riskcurve.signals.regime import default_as_of, regime

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
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
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

            # Moving the as-of date changes the values, to what the regime says on that day.
            _set_as_of(page, day_2017)
            cascade_2017 = _text(page, "regime-cascade")
            assert cascade_2017 != first_cascade
            assert cascade_2017.startswith("stage 2/5")
            assert cascade_2017.startswith(values_2017["cascade"])
            assert _text(page, "regime-liquidity").startswith(values_2017["liquidity"])
            assert _text(page, "regime-liquidity") != first_liquidity

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
            shot = tmp_path / "dashboard.png"
            page.screenshot(path=str(shot), full_page=True)
        finally:
            browser.close()

    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # Everything came from the dashboard itself: no CDN, no fonts, no telemetry.
    assert hosts == {urlsplit(dashboard_url).netloc}
    assert page_errors == []
    target = os.environ.get("RISKCURVE_SCREENSHOT_DIR")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, Path(target) / "dashboard.png")
