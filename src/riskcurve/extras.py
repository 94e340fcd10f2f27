"""Optional features and the extra that installs each: ``pip install 'riskcurve[NAME]'``.

The core install (the store, the snapshot, the signals, the statistics and the HTML report)
leaves out the libraries that serve one feature each. Every one of them is imported inside the
feature that uses it, so a missing one fails only that feature, and the command line turns the
``ModuleNotFoundError`` into one line naming the extra (:func:`missing_extra_message`).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType

from riskcurve.errors import RiskcurveError

__all__ = ["EXTRAS", "Extra", "MissingExtraError", "import_extra", "missing_extra_message"]


@dataclass(frozen=True)
class Extra:
    """One optional feature: the extra's name, what it is for, and the modules it brings."""

    name: str
    feature: str
    modules: tuple[str, ...]

    @property
    def install(self) -> str:
        """The command that installs it."""
        return f"pip install 'riskcurve[{self.name}]'"


#: Every extra of pyproject.toml but ``all`` (which is all of them).
EXTRAS: dict[str, Extra] = {
    extra.name: extra
    for extra in (
        Extra("dashboard", "the dashboard (riskcurve dashboard)", ("dash", "waitress", "flask")),
        Extra("alerts", "notifications (riskcurve watch)", ("apprise",)),
        Extra("dask", "sweeps on Dask (--executor dask)", ("distributed", "dask")),
        Extra("png", "PNG export (report --png)", ("kaleido",)),
        Extra("ccxt", "live crypto prices from exchanges (ccxt)", ("ccxt",)),
    )
}
_BY_MODULE = {module: extra for extra in EXTRAS.values() for module in extra.modules}


class MissingExtraError(RiskcurveError, ImportError):
    """A feature was used whose optional dependencies are not installed."""


def _top(name: str | None) -> str:
    return (name or "").split(".", 1)[0]


def missing_extra_message(error: ModuleNotFoundError) -> str | None:
    """The one line for a missing optional module, or None when ``error`` is about another module.

    Parameters
    ----------
    error
        The failed import; its ``name`` is the module that could not be found.
    """
    extra = _BY_MODULE.get(_top(error.name))
    if extra is None:
        return None
    return f"{extra.feature} needs {_top(error.name)}, which is not installed: run {extra.install}"


def import_extra(module: str, extra: str) -> ModuleType:
    """Import an optional module, or raise :class:`MissingExtraError` naming the extra to install.

    Parameters
    ----------
    module
        The module, e.g. ``"distributed"``.
    extra
        The extra that installs it, a key of :data:`EXTRAS`.

    Raises
    ------
    MissingExtraError
        If the module (or one it needs from the same extra) is not installed.
    """
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as missing:
        message = missing_extra_message(missing)
        if message is None:
            if _top(missing.name) != _top(module):
                raise
            message = f"{module} is not installed: run {EXTRAS[extra].install}"
        raise MissingExtraError(message) from missing
