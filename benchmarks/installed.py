"""Benchmark riskcurve as installed from a wheel: byte-compiled.

An editable install leaves the package uncompiled, and under ``PYTHONDONTWRITEBYTECODE`` (set on
some CI images) every new process would compile it again, about 1.5 s that no installed copy
pays. Benchmarks that start whole processes call :func:`byte_compile` first.
"""

from __future__ import annotations

import compileall
from pathlib import Path


def byte_compile() -> None:
    """Write the ``.pyc`` files of the riskcurve package being benchmarked (idempotent)."""
    import riskcurve

    compileall.compile_dir(Path(riskcurve.__file__).parent, quiet=1)
