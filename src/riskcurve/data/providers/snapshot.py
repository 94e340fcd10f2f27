"""The snapshot provider: a folder of CSVs laid out like ``../shared/data``.

``prices/<SYMBOL>.csv`` holds ``date,open,high,low,close,volume`` and ``macro/<FRED_ID>.csv``
holds ``date,value``. This is how riskcurve runs offline. Every read validates the whole file,
so a corrupt snapshot is reported before anything reaches the store.
"""

from __future__ import annotations

import os
from pathlib import Path

from riskcurve._typing import DateLike, SeriesKind
from riskcurve.data.providers.base import Fetched, clip, date_bounds, utc_now
from riskcurve.data.validation import read_csv_text, validate_prices, validate_values
from riskcurve.errors import DataError, UnknownSymbolError

_FOLDERS: dict[str, SeriesKind] = {"prices": "price", "macro": "value"}


class SnapshotProvider:
    """Reads series from a snapshot folder.

    Parameters
    ----------
    root
        The folder holding ``prices/`` and ``macro/``.
    """

    name = "snapshot"

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).expanduser()
        if not self.root.is_dir():
            raise DataError("snapshot folder does not exist", source=str(self.root))
        if not any((self.root / folder).is_dir() for folder in _FOLDERS):
            raise DataError("not a snapshot folder (no prices/ or macro/ inside)", source=str(self.root))

    def _files(self) -> dict[str, tuple[Path, SeriesKind]]:
        found: dict[str, tuple[Path, SeriesKind]] = {}
        for folder, kind in _FOLDERS.items():
            for path in sorted((self.root / folder).glob("*.csv")):
                found[path.stem.upper()] = (path, kind)
        return found

    def symbols(self) -> list[str]:
        """Every series in the folder, by file name."""
        return sorted(self._files())

    def kind(self, symbol: str) -> SeriesKind:
        """Whether ``symbol`` is a price or a value series in this snapshot."""
        return self._locate(symbol)[1]

    def path(self, symbol: str) -> Path:
        """The file ``symbol`` is read from."""
        return self._locate(symbol)[0]

    def _locate(self, symbol: str) -> tuple[Path, SeriesKind]:
        files = self._files()
        name = symbol.strip().upper()
        if name not in files:
            raise UnknownSymbolError(f"not in snapshot {self.root} (it has: {', '.join(sorted(files))})", symbol=symbol)
        return files[name]

    def fetch(self, symbol: str, start: DateLike | None = None, end: DateLike | None = None) -> Fetched:
        """Read, validate and clip one series; see :meth:`Provider.fetch`."""
        lo, hi = date_bounds(start, end)
        path, kind = self._locate(symbol)
        name = symbol.strip().upper()
        raw = read_csv_text(path, symbol=name)
        if kind == "price":
            frame = validate_prices(raw, source=str(path), symbol=name)
        else:
            frame = validate_values(raw, source=str(path), symbol=name)
        return Fetched(name, kind, clip(frame, lo, hi), self.name, str(path), utc_now())
