"""The ``riskcurve`` command line: parse, call the public API, render.

Commands only parse arguments, call :mod:`riskcurve` and render rich tables or ``--json``.
Domain errors become one line on stderr and a non-zero exit. Each command group lives in its
own module and registers itself on the shared app when imported here.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from collections.abc import Sequence

import typer

from riskcurve.cli._common import app
from riskcurve.cli._lazy import LAZY_MODULES
from riskcurve.errors import RiskcurveError

# Every public module of this package is a command group that registers itself on import; the
# heavy ones register when one of their commands runs (see riskcurve.cli._lazy).
for _module in sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_")):
    if _module not in LAZY_MODULES:
        importlib.import_module(f"{__name__}.{_module}")

__all__ = ["app", "main"]


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point: run the app, turning domain errors into one stderr line and exit code 1."""
    command = typer.main.get_command(app)
    try:
        command.main(args=list(argv) if argv is not None else None, standalone_mode=False, prog_name="riskcurve")
    except typer.Exit as done:
        sys.exit(done.exit_code)
    except typer.TyperException as usage:
        show = getattr(usage, "show", None)
        if show is not None:
            show()
        else:
            print(f"riskcurve: {usage.format_message()}", file=sys.stderr)
        sys.exit(usage.exit_code)
    except typer.Abort:
        print("riskcurve: aborted", file=sys.stderr)
        sys.exit(130)
    except (RiskcurveError, ValueError, OSError) as failure:
        message = " ".join(str(failure).split())
        print(f"riskcurve: error: {message}", file=sys.stderr)
        sys.exit(1)
