"""PNG export with plotly's renderer (kaleido) driving the system's Chromium."""

from __future__ import annotations

import asyncio
import os
import shutil
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import plotly.graph_objects as go

#: The pixel size PNGs are rendered at unless told otherwise.
PNG_WIDTH = 1200
PNG_HEIGHT = 600
#: Executable names of Chromium-based browsers, tried in order on ``PATH``.
BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")


def find_browser(browser: str | os.PathLike[str] | None = None) -> str:
    """The Chromium-based browser PNG export drives.

    ``browser`` when given, else ``$BROWSER_PATH`` (the variable kaleido's browser driver,
    choreographer, reads itself), else the first of :data:`BROWSER_NAMES` found on ``PATH``.

    Raises
    ------
    FileNotFoundError
        If none is found; the message says how to install one.
    """
    if browser is not None:
        if not Path(browser).is_file():
            raise FileNotFoundError(f"browser {browser} does not exist")
        return str(browser)
    candidates = [os.environ.get("BROWSER_PATH"), *(shutil.which(name) for name in BROWSER_NAMES)]
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return candidate
    raise FileNotFoundError(
        "PNG export needs a Chromium-based browser and none was found: install one "
        "(Debian/Ubuntu: apt-get install chromium) or set BROWSER_PATH to its executable"
    )


def load_renderer() -> None:
    """Import kaleido (and, through plotly, PIL) in the calling thread.

    Call it before rendering in another thread while this one goes on serialising figures:
    plotly's JSON encoder looks ``PIL.Image`` up in ``sys.modules`` and, while a second thread is
    importing it, can find it half-initialised ("partially initialized module 'PIL.Image'").
    """
    import kaleido  # noqa: F401


async def _render(figures: Sequence[go.Figure], options: Sequence[dict[str, Any]], browser: str) -> list[bytes]:
    import kaleido  # imported here: only PNG export needs it (an optional dependency of plotly)

    # mathjax=False: nothing here uses LaTeX, and kaleido would otherwise load MathJax from a CDN.
    # plotly.js itself comes from the plotly package on disk, so rendering needs no network.
    async with kaleido.Kaleido(n=1, mathjax=False, path=browser) as renderer:
        return [await renderer.calc_fig(fig.to_dict(), opts=opts) for fig, opts in zip(figures, options, strict=True)]


def _run_in_thread(work: Callable[[], Any]) -> Any:
    # asyncio.run cannot run inside a running event loop (Jupyter, Dash under an async server):
    # a fresh thread always has none.
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = work()
        except BaseException as error:  # handed back to the caller's thread below
            outcome["error"] = error

    thread = threading.Thread(target=target, name="riskcurve-png", daemon=True)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def write_pngs(
    figures: Mapping[str | os.PathLike[str], go.Figure],
    *,
    width: int = PNG_WIDTH,
    height: int | None = None,
    scale: float = 1.0,
    browser: str | os.PathLike[str] | None = None,
) -> list[Path]:
    """Render several figures to PNG files with one browser session.

    Parameters
    ----------
    figures
        ``{path: figure}``; parent folders are created.
    width, height
        Size in layout pixels; ``height`` defaults to each figure's own height (or :data:`PNG_HEIGHT`).
    scale
        Pixel density (2 for sharp images on high-DPI screens).
    browser
        The Chromium-based browser to drive (see :func:`find_browser`).

    Returns
    -------
    list of pathlib.Path
        The files written, in the order given.
    """
    import plotly.graph_objects as go

    if not isinstance(figures, Mapping):
        raise TypeError(f"figures must be a mapping of path -> Figure, got {type(figures).__name__}")
    for path, fig in figures.items():
        if not isinstance(fig, go.Figure):
            raise TypeError(f"figures[{str(path)!r}] must be a plotly Figure, got {type(fig).__name__}")
    for name, value in (("width", width), ("height", height)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 50):
            raise ValueError(f"{name} must be an integer number of pixels >= 50, got {value!r}")
    if not (isinstance(scale, int | float) and 0 < scale <= 8):
        raise ValueError(f"scale must be a number in (0, 8], got {scale!r}")
    from riskcurve.extras import import_extra

    import_extra("kaleido", "png")  # checked here so the error (naming the extra) comes before any work
    executable = find_browser(browser)
    paths = [Path(p) for p in figures]
    figs = list(figures.values())
    options = [
        {"format": "png", "width": width, "height": height or fig.layout.height or PNG_HEIGHT, "scale": scale}
        for fig in figs
    ]
    images = _run_in_thread(lambda: asyncio.run(_render(figs, options, executable)))
    for path, image in zip(paths, images, strict=True):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(image)
    return paths


def to_png(
    fig: go.Figure,
    path: str | os.PathLike[str],
    *,
    width: int = PNG_WIDTH,
    height: int | None = None,
    scale: float = 1.0,
    browser: str | os.PathLike[str] | None = None,
) -> Path:
    """Render one figure to a PNG file, exactly as plotly draws it, using the system's Chromium.

    plotly's renderer (kaleido) drives a Chromium-based browser found by :func:`find_browser`
    (``/usr/bin/chromium`` on Debian), headless and without its sandbox (so it also runs as root
    in containers); plotly.js is loaded from the installed plotly package and MathJax is off,
    so nothing is fetched from the network and no browser is downloaded.

    Parameters
    ----------
    fig
        The figure.
    path
        The PNG file to write (its folder is created).
    width, height, scale, browser
        See :func:`write_pngs`.

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    FileNotFoundError
        If no Chromium-based browser is found.
    """
    return write_pngs({path: fig}, width=width, height=height, scale=scale, browser=browser)[0]
