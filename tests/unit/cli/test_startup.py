"""Start-up: which libraries the command line loads, and that its lazy command table is true.

No timings here (benchmarks/bench_startup.py measures them): these tests check the cause of a
slow start, the modules a fresh interpreter has loaded after importing the CLI.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

HEAVY = ("pandas", "numpy", "scipy", "statsmodels", "arch", "plotly", "dash", "numba", "yfinance", "ccxt", "duckdb")


def _loaded_after(code: str) -> set[str]:
    probe = f"import json, sys\n{code}\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


def _heavy(modules: set[str]) -> list[str]:
    return sorted(name for name in HEAVY if name in modules)


def test_importing_the_cli_loads_no_heavy_library() -> None:
    assert _heavy(_loaded_after("import riskcurve.cli")) == []


def test_importing_riskcurve_loads_no_heavy_library() -> None:
    assert _heavy(_loaded_after("import riskcurve")) == []


def test_help_and_version_load_no_heavy_library() -> None:
    for args in (["--help"], ["--version"]):
        run = f"from riskcurve.cli import main\ntry:\n    main({args!r})\nexcept SystemExit:\n    pass"
        assert _heavy(_loaded_after(run)) == [], args


def test_public_names_stay_importable() -> None:
    import riskcurve

    for name in riskcurve.__all__:
        assert getattr(riskcurve, name) is not None, name
    from riskcurve import Store, regime, run_claims  # noqa: F401 - the import is the test

    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = riskcurve.nope  # type: ignore[attr-defined]


def test_figures_names_stay_importable() -> None:
    from riskcurve.report import figures

    for name in figures.__all__:
        assert getattr(figures, name) is not None, name


def test_lazy_command_table_matches_the_real_commands() -> None:
    """Each lazy command's module really defines it, with the help line the table shows."""
    from riskcurve.cli._lazy import LAZY_COMMANDS, LAZY_MODULES

    probe = (
        "import importlib, json, typer.main\n"
        "from riskcurve.cli._common import app\n"
        f"for m in {sorted(LAZY_MODULES)!r}: importlib.import_module('riskcurve.cli.' + m)\n"
        "import riskcurve.cli\n"
        "group = typer.main.get_group(app)\n"
        "print(json.dumps({n: (c.callback.__module__, c.help) for n, c in group.commands.items() if c.callback}))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    real = json.loads(done.stdout.strip().splitlines()[-1])
    lazy_in_real = {n: m.rsplit(".", 1)[-1] for n, (m, _) in real.items() if m.rsplit(".", 1)[-1] in LAZY_MODULES}
    assert lazy_in_real == {n: module for n, (module, _) in LAZY_COMMANDS.items()}
    for name, (_, line) in LAZY_COMMANDS.items():
        first_paragraph = real[name][1].split("\n\n")[0].strip()
        assert first_paragraph == line, name


def test_help_lists_every_command_the_same_lazily_or_loaded() -> None:
    """`riskcurve --help` before any command module loads equals the help with all of them loaded."""
    lazy = subprocess.run(
        [sys.executable, "-m", "riskcurve", "--help"], capture_output=True, text=True, check=True
    ).stdout
    loaded_probe = (
        "import importlib, sys\n"
        "from riskcurve.cli._lazy import LAZY_MODULES\n"
        "for m in sorted(LAZY_MODULES): importlib.import_module('riskcurve.cli.' + m)\n"
        "sys.argv = ['riskcurve', '--help']\n"
        "from riskcurve.cli import main\n"
        "main()\n"
    )
    loaded = subprocess.run([sys.executable, "-c", loaded_probe], capture_output=True, text=True).stdout
    assert "backtest" in lazy and "series" in lazy
    assert lazy == loaded


def test_a_lazy_command_runs_and_an_unknown_one_suggests() -> None:
    done = subprocess.run([sys.executable, "-m", "riskcurve", "signal", "--help"], capture_output=True, text=True)
    assert done.returncode == 0 and "breakout" in done.stdout
    typo = subprocess.run([sys.executable, "-m", "riskcurve", "regim"], capture_output=True, text=True)
    assert typo.returncode == 2 and "regime" in typo.stderr


def test_version_prints_the_package_version() -> None:
    import riskcurve

    done = subprocess.run([sys.executable, "-m", "riskcurve", "--version"], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == f"riskcurve {riskcurve.__version__}"


def test_an_interrupt_a_library_turned_into_its_own_error_still_counts_as_one() -> None:
    # DuckDB answers Ctrl-C inside a query with RuntimeError("Query interrupted"); the command
    # line must still end as interrupted, not as a failure.
    import riskcurve.cli as cli

    with pytest.raises(KeyboardInterrupt), cli._noting_interrupts():
        try:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(1)  # the handler runs here and raises KeyboardInterrupt
            raise AssertionError("SIGINT was not handled")
        except KeyboardInterrupt:
            try:
                raise RuntimeError("Query interrupted") from None  # what DuckDB makes of it
            except RuntimeError as converted:
                cli._interrupt_if_signalled(converted)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # put back on the way out
    with cli._noting_interrupts():
        cli._interrupt_if_signalled(RuntimeError("no Ctrl-C this time: nothing is raised"))


def test_a_ctrl_c_landing_in_a_weakref_callback_is_raised_again_not_printed() -> None:
    """Python cannot raise from a weakref callback: the interrupt comes back at the next bytecode."""
    import weakref

    import riskcurve.cli as cli

    class Thing:
        pass

    printed: list[object] = []
    previous_hook = sys.unraisablehook
    sys.unraisablehook = printed.append  # what Python would print as "Exception ignored in ..."
    try:
        with pytest.raises(KeyboardInterrupt), cli._noting_interrupts():
            thing = Thing()
            # The signal handler ran inside the callback (as it can inside an import lock's).
            alive = weakref.ref(thing, lambda _: cli._on_sigint(signal.SIGINT, None))
            del thing
            assert alive() is None
            # The interrupt raised again lands in these sleeps. (Not a busy loop: on Python 3.13.0 a
            # KeyboardInterrupt raised at a busy loop's back edge escapes the enclosing handlers.)
            for _ in range(1000):
                time.sleep(0.01)
            raise AssertionError("the interrupt swallowed by the callback never came back")
        assert cli.interrupted() and printed == []
        assert sys.unraisablehook == printed.append  # put back on the way out
    finally:
        sys.unraisablehook = previous_hook


def test_a_ctrl_c_a_library_swallowed_still_ends_the_command_as_interrupted(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import riskcurve.cli as cli

    def swallowing(argv: object) -> int:
        import contextlib

        with contextlib.suppress(KeyboardInterrupt):  # what a library that catches it does
            cli._on_sigint(signal.SIGINT, None)
        return cli.EXIT_OK

    monkeypatch.setattr(cli, "_run", swallowing)
    with pytest.raises(SystemExit) as ended:
        cli.main(["series", "list"])
    assert ended.value.code == cli.EXIT_INTERRUPTED
    assert capsys.readouterr().err.strip().endswith("interrupted")
