"""The ``riskcurve`` command line: parse, call the public API, render.

Commands only parse arguments, call :mod:`riskcurve` and render rich tables or ``--json``.
Every failure becomes one line on stderr and a non-zero exit. Each command group lives in its
own module and registers itself on the shared app when imported.

Exit codes (documented in the README, relied on by cron jobs):

* ``0``: the command did everything it was asked;
* ``1``: it failed, or did only part of it (``update --keep-going`` with a failed symbol,
  ``watch`` that gave up on a delivery), or a file, a value or the store was bad;
* ``2``: the command line itself was wrong (unknown option, a value out of range);
* ``75``: the store stayed busy (another riskcurve process held it) for the whole wait;
  try again later (``EX_TEMPFAIL``);
* ``130``: interrupted (Ctrl-C, SIGINT);
* ``141``: the reader of the output went away (``riskcurve series show BTC | head``): the
  command stops quietly, as a program killed by SIGPIPE would, with nothing on stderr.

An interrupt while the commands load (they import pandas and DuckDB) is reported in one line too.
A feature whose optional dependencies are not installed says which extra to install
(``pip install 'riskcurve[dashboard]'``; see :mod:`riskcurve.extras`).

Shell completion: ``riskcurve --install-completion`` (bash, zsh, fish, PowerShell), or
``riskcurve --show-completion`` to print the script; the shell then runs ``riskcurve`` with
``_RISKCURVE_COMPLETE`` set, answered here before any command runs.
"""

# First, before anything that takes time to import: a Ctrl-C while the command line loads
# ends it with one line and 130, not a traceback from whichever import it landed in. os and sys
# are loaded already; _signal is the C module behind `signal`, whose own import (enum,
# functools) takes milliseconds. Not even `from __future__ import annotations` comes first: it
# is an import too (the annotations below are all valid at run time). Before this line there
# is only Python's own start-up and its search for riskcurve and riskcurve.cli.
import _signal
import os
import sys

EXIT_INTERRUPTED = 130


def _end_interrupted(number: int, frame: object) -> None:
    """SIGINT while nothing is open yet (or any more): say so and end at once, quietly."""
    os.write(2, b"riskcurve: interrupted\n")
    os._exit(EXIT_INTERRUPTED)


def _guard_quietly() -> object:
    """Answer SIGINT with :func:`_end_interrupted`; returns the handler it replaced.

    Only where Python's own handler is in place (a SIGINT ignored by the caller, as for a
    background job, stays ignored) and only in the main thread, which alone may set handlers.
    """
    try:
        if _signal.getsignal(_signal.SIGINT) is not _signal.default_int_handler:
            return None
        return _signal.signal(_signal.SIGINT, _end_interrupted)
    except ValueError:  # not the main thread
        return None


_handler_while_loading = _guard_quietly()

import gc  # noqa: E402 - after the guard above, on purpose
import importlib  # noqa: E402
import logging  # noqa: E402
import pkgutil  # noqa: E402
import signal  # noqa: E402
import threading  # noqa: E402
import traceback  # noqa: E402
from collections.abc import Iterator, Sequence  # noqa: E402
from contextlib import contextmanager, suppress  # noqa: E402
from typing import Any  # noqa: E402

__all__ = ["app", "interrupted", "main"]

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_BUSY = 75
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what a shell reports for a program the signal ended
#: The variable the completion scripts set (typer's rule: ``_<PROG>_COMPLETE``).
COMPLETE_VAR = "_RISKCURVE_COMPLETE"


def _load_commands() -> Any:
    """The app with every command group registered (each public module registers on import)."""
    from riskcurve.cli._common import app
    from riskcurve.cli._lazy import LAZY_MODULES

    # The heavy groups register when one of their commands runs (see riskcurve.cli._lazy).
    for module in sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_")):
        if module not in LAZY_MODULES:
            importlib.import_module(f"{__name__}.{module}")
    return app


try:
    app = _load_commands()
except KeyboardInterrupt:  # Ctrl-C while the commands load, where the guard above is not in place
    print("riskcurve: interrupted", file=sys.stderr)
    raise SystemExit(EXIT_INTERRUPTED) from None


#: Set when SIGINT arrives while a command runs (see :func:`_noting_interrupts`).
_interrupted = False


def _on_sigint(number: int, frame: Any) -> None:
    global _interrupted
    _interrupted = True
    signal.default_int_handler(number, frame)  # raises KeyboardInterrupt, as Python's own handler


def _raise_interrupt_again(unraisable: Any) -> None:
    """A Ctrl-C raised where Python cannot raise it is raised again in the main thread.

    Python runs signal handlers between bytecodes, and that can be inside a weakref callback or a
    finaliser (an import lock's, say): the KeyboardInterrupt is then "unraisable", printed as
    "Exception ignored in ..." with a traceback, and the command carries on as if nothing had
    been pressed. The signal is sent again, 20 ms later, from another thread: sent at once, its
    handler would run before this hook returned, and be unraisable in turn. It lands in the main
    thread's ordinary code (or, should it hit another callback, comes back here). A real signal,
    not ``_thread.interrupt_main``: on Python 3.13.0 a simulated one is handled twice.
    """
    if unraisable.exc_type is not None and issubclass(unraisable.exc_type, KeyboardInterrupt):
        again = threading.Timer(0.02, os.kill, (os.getpid(), signal.SIGINT))
        again.daemon = True
        again.start()
        return
    sys.__unraisablehook__(unraisable)


@contextmanager
def _noting_interrupts() -> Iterator[None]:
    """Note every Ctrl-C, even one a library turns into an error of its own.

    DuckDB checks for signals while it runs a query and answers Python's KeyboardInterrupt by
    raising "Query interrupted" (a RuntimeError), after which the open transaction fails too: a
    Ctrl-C that lands in a query must still end the command as interrupted (130), not as a
    failure (1).
    """
    global _interrupted
    _interrupted = False
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may handle signals; Python's handler stays in place
        return
    previous = signal.signal(signal.SIGINT, _on_sigint)
    previous_hook, sys.unraisablehook = sys.unraisablehook, _raise_interrupt_again
    try:
        yield
    finally:
        sys.unraisablehook = previous_hook
        signal.signal(signal.SIGINT, previous)


def interrupted() -> bool:
    """Whether Ctrl-C came during the running command (even if a library swallowed it)."""
    return _interrupted


def _interrupt_if_signalled(failure: BaseException | None = None) -> None:
    """Raise KeyboardInterrupt if Ctrl-C came: whatever failed after it failed because of it."""
    if _interrupted:
        raise KeyboardInterrupt from failure


def _say(message: str) -> None:
    from riskcurve.masking import mask_secrets
    from riskcurve.untrusted import clean

    print(f"riskcurve: {clean(mask_secrets(' '.join(message.split())))}", file=sys.stderr)


def _is_duckdb_error(failure: BaseException) -> bool:
    # Checked by module rather than by class so that `riskcurve --help` need not import DuckDB.
    duckdb = sys.modules.get("duckdb")
    return duckdb is not None and isinstance(failure, duckdb.Error)


def _run(argv: Sequence[str] | None) -> int:
    import typer

    from riskcurve.errors import RiskcurveError, StoreBusyError

    command = typer.main.get_command(app)
    args = list(argv) if argv is not None else sys.argv[1:]
    if os.environ.get(COMPLETE_VAR):
        # The shell asks for completions (click's main() would do this; it is bypassed below).
        command._main_shell_completion({}, "riskcurve", COMPLETE_VAR)  # exits
    try:
        # Invoked directly rather than through click's main(): that one swallows the exit code
        # of typer.Exit when not in standalone mode.
        with command.make_context("riskcurve", args) as ctx:
            command.invoke(ctx)
    except typer.Exit as done:
        if done.exit_code:
            _interrupt_if_signalled(done)
        return int(done.exit_code or 0)
    except typer.Abort:
        _say("interrupted")
        return EXIT_INTERRUPTED
    except typer.TyperException as usage:  # click's usage errors, as typer vendors them
        if type(usage).__name__ == "NoArgsIsHelpError":
            usage.show()  # type: ignore[attr-defined]
            return int(getattr(usage, "exit_code", EXIT_USAGE))
        message = usage.format_message() if hasattr(usage, "format_message") else str(usage)
        where = getattr(getattr(usage, "ctx", None), "command_path", None)
        hint = f" (see `{where} --help`)" if where else ""
        _say(f"error: {message}{hint}")
        return int(getattr(usage, "exit_code", EXIT_USAGE))
    except BrokenPipeError:
        return _quiet_broken_pipe()
    except ModuleNotFoundError as missing:
        from riskcurve.extras import missing_extra_message

        missing_line = missing_extra_message(missing)
        if missing_line is None:
            raise
        _say(f"error: {missing_line}")
        return EXIT_FAILED
    except StoreBusyError as busy:
        _interrupt_if_signalled(busy)
        _say(f"error: {busy}")
        return EXIT_BUSY
    except (RiskcurveError, ValueError, OSError) as failure:
        _interrupt_if_signalled(failure)
        _say(f"error: {failure}")
        return EXIT_FAILED
    except Exception as failure:
        _interrupt_if_signalled(failure)
        if not _is_duckdb_error(failure):
            raise
        # Whatever DuckDB says beyond what the store already turns into riskcurve's terms.
        from riskcurve.data.connection import damaged_message, is_damage, last_opened

        first = str(failure).strip().splitlines()[0] if str(failure).strip() else type(failure).__name__
        store = last_opened()
        if store is not None and is_damage(failure):
            _say(f"error: {damaged_message(store, first)}")
        else:
            _say(
                f"error: the store {store or ''} could not be read or written ({type(failure).__name__}: {first}); "
                "`riskcurve store check` tells whether the file is damaged"
            )
        return EXIT_FAILED
    return EXIT_OK


#: Plain-ASCII stand-ins for what riskcurve prints, for terminals that cannot show it.
_ASCII = {"±": "+/-", "→": "->", "←": "<-", "—": "-", "–": "-", "…": "...", "×": "x", "≥": ">=", "≤": "<=", "·": "."}


def _ascii_fallback(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeEncodeError):
        raise error
    text = error.object[error.start : error.end]
    return "".join(_ASCII.get(char, "?") for char in text), error.end


def _tolerate_narrow_encodings() -> None:
    """Print "±" as "+/-" (and anything else unprintable as "?") where the output is ASCII or Latin-1."""
    import codecs

    codecs.register_error("riskcurve-ascii", _ascii_fallback)
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None and (getattr(stream, "encoding", "") or "").lower().replace("-", "") != "utf8":
            with suppress(ValueError, OSError):
                reconfigure(errors="riskcurve-ascii")


def _quiet_broken_pipe() -> int:
    """The reader of stdout is gone: stop without a word, and let nothing write there again.

    Python would otherwise report the failed flush of stdout at exit ("Exception ignored ...
    BrokenPipeError") on stderr.
    """
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # stdout without a file descriptor (a test's capture)
        pass
    return EXIT_BROKEN_PIPE


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point: run the command line and exit with its code (see the module docstring)."""
    if argv is None:
        # Run as the program: a Ctrl-C before the command starts or after it ended, when there is
        # nothing to stop or tidy, ends it with one line (the command swaps in _on_sigint).
        _guard_quietly()
    try:
        _tolerate_narrow_encodings()
        with _noting_interrupts():
            code = _run(argv)
        if code == EXIT_OK and interrupted():
            # The Ctrl-C was swallowed on the way (a library that caught KeyboardInterrupt, a
            # callback Python could not raise it from) and the command ran on: it was still
            # interrupted, and what it did may be partial.
            raise KeyboardInterrupt
    except KeyboardInterrupt:
        _say("interrupted")
        code = EXIT_INTERRUPTED
    except BrokenPipeError:  # raised outside _run's reach (rich may re-raise it from a flush)
        code = _quiet_broken_pipe()
    except Exception as bug:  # noqa: BLE001 - the last net: a cron log gets one line, -v the traceback
        if logging.getLogger().isEnabledFor(logging.INFO):
            traceback.print_exc()
        _say(f"internal error: {type(bug).__name__}: {bug} (a bug in riskcurve; rerun with -v for the traceback)")
        code = EXIT_FAILED
    if code != EXIT_BROKEN_PIPE:
        try:
            sys.stdout.flush()  # the last buffered lines: a reader that left now is a broken pipe too
        except BrokenPipeError:
            code = _quiet_broken_pipe()
        except (OSError, ValueError):
            pass
    if argv is None:
        # Run as the program: the interpreter's last garbage collections would walk every object
        # a report or a study made (about a second after the work is done) to free memory the
        # process is about to give back anyway. Frozen objects are skipped; exit handlers still run.
        gc.freeze()
    sys.exit(code)


# The last statement of the module: loaded as a library (a test, a notebook), the importer keeps
# its own Ctrl-C from here on; run as the program, main() puts the guard back first thing.
if _handler_while_loading is not None:
    _signal.signal(_signal.SIGINT, _handler_while_loading)
