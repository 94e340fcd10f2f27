"""Where settings come from: an explicit argument, else the environment, else a default.

Settings are read here, when asked, never at import time.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

STORE_ENV = "RISKCURVE_STORE"
SNAPSHOT_ENV = "RISKCURVE_SNAPSHOT"
STORE_FILENAME = "riskcurve.duckdb"


def _expand(path: str | os.PathLike[str], what: str) -> Path:
    """``path`` with ``~`` or ``~user`` expanded; a ``ValueError`` naming ``what`` if it cannot be."""
    try:
        return Path(path).expanduser()
    except RuntimeError:  # ~nouser/x, or no home directory at all
        raise ValueError(f"{what} {os.fspath(path)!r}: its ~ cannot be expanded (no such user or home)") from None


def store_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The store file: ``explicit``, else ``$RISKCURVE_STORE``, else the user data folder."""
    if explicit:
        return _expand(explicit, "--store")
    if os.environ.get(STORE_ENV):
        return _expand(os.environ[STORE_ENV], STORE_ENV)
    return Path(platformdirs.user_data_dir("riskcurve", appauthor=False)) / STORE_FILENAME


def snapshot_dir(explicit: str | os.PathLike[str] | None = None) -> Path | None:
    """The snapshot folder: ``explicit``, else ``$RISKCURVE_SNAPSHOT``, else ``None``."""
    if explicit:
        return _expand(explicit, "--snapshot")
    if os.environ.get(SNAPSHOT_ENV):
        return _expand(os.environ[SNAPSHOT_ENV], SNAPSHOT_ENV)
    return None
