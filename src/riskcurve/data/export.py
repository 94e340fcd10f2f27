"""Exporting a stored series to a CSV or Parquet file, with its provenance.

:meth:`riskcurve.data.store.Store.export` is the public entry (this module does the work);
the Parquet file carries the series' facts in its schema metadata, so a file read back alone
still says what it holds. DuckDB writes the Parquet itself: no pyarrow needed.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from riskcurve._typing import DateLike, ExportFormat
from riskcurve.data.providers.base import utc_now

if TYPE_CHECKING:
    from riskcurve.data.store import Store

__all__ = ["EXPORT_EXTENSIONS", "STDOUT_NAME", "export_format", "export_series"]


def export_series(
    store: Store,
    symbol: str,
    path: str | os.PathLike[str],
    *,
    format: ExportFormat | None = None,
    as_of: DateLike | None = None,
    vintages: bool = False,
) -> Path:
    """Write ``symbol`` from ``store`` to ``path``, atomically: see :meth:`Store.export`."""
    from riskcurve.data.store import MEMORY
    from riskcurve.outputs import check_output, is_stdout, write_output

    target = Path(path).expanduser()
    if is_stdout(path):
        chosen: ExportFormat = "csv" if format is None else export_format(Path("stdout"), format)
    else:
        chosen = export_format(target, format)
    protected = [] if store.path == MEMORY else [store.path]
    check_output(path, protected=protected)  # before reading: a refused target costs nothing
    meta = store.meta(symbol)
    if meta.kind == "price":
        frame = store.prices(meta.symbol, as_of=as_of, provenance=True)
    else:
        frame = store.observations(meta.symbol, as_of=as_of, vintages=vintages, provenance=True)

    def write(temporary: Path) -> None:
        if chosen == "csv":
            from riskcurve.numbers import exact

            # Full precision: each float as the shortest decimal that reads back to it.
            frame.to_csv(temporary, float_format=exact)
            return
        now = utc_now()
        providers = sorted(set(frame["provider"].dropna())) if "provider" in frame else []
        facts = {
            "symbol": meta.symbol,
            "unit": meta.unit,
            "description": meta.description,
            "kind": meta.kind,
            "provider": ",".join(providers),
            "as_of": (pd.Timestamp(as_of) if as_of is not None else now).date().isoformat(),
            "exported_at": now.isoformat(),
        }
        _write_parquet(frame, str(temporary), facts)

    written = write_output(path, write, protected=protected, suffix=f".{chosen}")
    return written if written is not None else Path(STDOUT_NAME)


#: File formats :meth:`Store.export` writes, by extension.
EXPORT_EXTENSIONS: dict[str, ExportFormat] = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}


#: What :meth:`Store.export` returns for an export to standard output.
STDOUT_NAME = "-"


def export_format(path: Path, format: str | None) -> ExportFormat:
    """The export format: ``format`` when given (checked against the extension), else the extension's."""
    implied = EXPORT_EXTENSIONS.get(path.suffix.lower())
    if format is None:
        if implied is None:
            raise ValueError(
                f"cannot tell the format of {path} from its extension: name it .csv or .parquet, or give --format"
            )
        return implied
    if format not in ("csv", "parquet"):
        raise ValueError(f"format must be 'csv' or 'parquet', got {format!r}")
    if implied is not None and implied != format:
        raise ValueError(f"format {format} contradicts the file name {path.name} (a {implied} extension)")
    return "csv" if format == "csv" else "parquet"


def _write_parquet(frame: pd.DataFrame, path: str, facts: Mapping[str, str]) -> None:
    """Write ``frame`` (its index as a ``date`` column) to Parquet with DuckDB, ``facts`` as key-value metadata.

    DuckDB writes Parquet itself (``COPY ... (FORMAT parquet, KV_METADATA {...})``), so the
    export needs no pyarrow; any Parquet reader (DuckDB, pandas with pyarrow, polars) reads it.
    """
    import duckdb

    def literal(text: str) -> str:
        return "'" + str(text).replace("'", "''") + "'"

    metadata = ", ".join(f"{literal('riskcurve.' + key)}: {literal(value)}" for key, value in facts.items())
    table = frame.reset_index()
    with duckdb.connect() as scratch:
        scratch.register("export_frame", table)
        scratch.execute(
            f"COPY (SELECT * FROM export_frame) TO {literal(path)} "
            f"(FORMAT parquet, COMPRESSION zstd, KV_METADATA {{{metadata}}})"
        )
