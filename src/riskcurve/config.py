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


def store_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The store file: ``explicit``, else ``$RISKCURVE_STORE``, else the user data folder."""
    if explicit:
        return Path(explicit).expanduser()
    if os.environ.get(STORE_ENV):
        return Path(os.environ[STORE_ENV]).expanduser()
    return Path(platformdirs.user_data_dir("riskcurve", appauthor=False)) / STORE_FILENAME


def snapshot_dir(explicit: str | os.PathLike[str] | None = None) -> Path | None:
    """The snapshot folder: ``explicit``, else ``$RISKCURVE_SNAPSHOT``, else ``None``."""
    if explicit:
        return Path(explicit).expanduser()
    if os.environ.get(SNAPSHOT_ENV):
        return Path(os.environ[SNAPSHOT_ENV]).expanduser()
    return None
