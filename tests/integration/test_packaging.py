"""What an installed riskcurve promises beyond its commands: the documents it points to, the
extras it names when one is missing, shell completion, a quiet broken pipe, and the public names.

The wheel itself is built and installed outside the repository by .ci/wheel-smoke (CI); these
tests check the same behaviour from the source tree.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

import riskcurve
from riskcurve.cli._common import JSON_SCHEMA_VERSION
from riskcurve.documents import GUIDES, docs_root, schema_names
from riskcurve.extras import EXTRAS, MissingExtraError, import_extra, missing_extra_message

REPO = Path(__file__).resolve().parents[2]
Cli = Callable[..., tuple[int, str, str]]


def _riskcurve(*argv: str, env: dict[str, str] | None = None, before: str = "") -> subprocess.CompletedProcess[str]:
    """The command line in a fresh interpreter (``-P``: the working folder is not on the path)."""
    code = f"{before}\nfrom riskcurve.cli import main\nmain({list(argv)!r})"
    return subprocess.run(
        [sys.executable, "-P", "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=120,
    )


# --- documents ---------------------------------------------------------------------------------


def test_every_schema_in_docs_is_printed_by_the_schema_command(cli: Cli) -> None:
    on_disk = sorted(p.stem for p in (REPO / "docs" / "schema").glob("*.json"))
    code, out, _ = cli("schema")
    assert code == 0 and out.split() == on_disk == schema_names()
    for name in on_disk:
        code, out, err = cli("schema", name)
        assert code == 0, err
        schema = json.loads(out)
        assert schema["properties"]["schema_version"]["const"] == JSON_SCHEMA_VERSION
        assert out == (REPO / "docs" / "schema" / f"{name}.json").read_text(encoding="utf-8")


def test_schema_accepts_the_command_as_typed_and_names_the_known_ones(cli: Cli) -> None:
    code, out, _ = cli("schema", "series show", "--path")
    assert code == 0 and Path(out.strip()) == docs_root() / "schema" / "series-show.json"
    code, out, err = cli("schema", "nope")
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and "no JSON Schema named 'nope'" in err and "series-show" in err


def test_guides_print_and_the_json_help_points_to_the_schema_command(cli: Cli) -> None:
    for name, file in GUIDES.items():
        code, out, _ = cli("docs", name)
        assert code == 0 and out == (REPO / "docs" / file).read_text(encoding="utf-8")
    code, out, _ = cli("series", "list", "--help")
    assert code == 0 and "riskcurve schema" in out and "docs/schema" not in out


def test_the_wheel_carries_every_document_the_program_reads() -> None:
    """pyproject's force-include lists each file documents.py serves, so the wheel has them all."""
    import tomllib

    included = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["hatch"]["build"][
        "targets"
    ]["wheel"]["force-include"]
    assert included["docs/schema"] == "riskcurve/_docs/schema"
    for file in GUIDES.values():
        assert included[f"docs/{file}"] == f"riskcurve/_docs/{file}"


# --- extras ------------------------------------------------------------------------------------


def test_extras_match_pyproject() -> None:
    import tomllib

    optional = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["optional-dependencies"]
    assert set(EXTRAS) | {"all", "dev", "bench"} == set(optional)
    assert optional["all"] == [f"riskcurve[{','.join(EXTRAS)}]"]
    core = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    names = {requirement.split(">")[0].split("[")[0] for requirement in core}
    assert not names & {"dash", "waitress", "apprise", "dask", "kaleido", "ccxt", "pyarrow"}


@pytest.mark.parametrize(
    ("blocked", "argv", "extra"),
    [
        ("dash", ["dashboard", "--port", "0"], "dashboard"),
        ("distributed", ["sweep", "--executor", "dask", "--grid", "ma-cross", "--workers", "1"], "dask"),
    ],
)
def test_a_missing_extra_is_one_line_naming_the_install(
    filled_store_path: Path, blocked: str, argv: list[str], extra: str
) -> None:
    # sys.modules[name] = None makes `import name` raise ModuleNotFoundError, as if not installed.
    done = _riskcurve(*argv, "--store", str(filled_store_path), before=f"import sys\nsys.modules[{blocked!r}] = None")
    assert done.returncode == 1, done.stderr
    assert done.stderr.count("\n") == 1, done.stderr
    assert f"pip install 'riskcurve[{extra}]'" in done.stderr and "Traceback" not in done.stderr


def test_import_extra_raises_an_import_error_naming_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "kaleido", None)
    with pytest.raises(MissingExtraError, match=r"pip install 'riskcurve\[png\]'") as raised:
        import_extra("kaleido", "png")
    assert isinstance(raised.value, ImportError)
    # Not every missing module is an extra's: those are not dressed up as one.
    assert missing_extra_message(ModuleNotFoundError("x", name="no_such_module")) is None


# --- completion, broken pipe -------------------------------------------------------------------


def test_shell_completion_answers_commands_and_options() -> None:
    done = _riskcurve(env={"_RISKCURVE_COMPLETE": "complete_bash", "COMP_WORDS": "riskcurve ser", "COMP_CWORD": "1"})
    assert done.returncode == 0 and done.stdout.split() == ["series"]
    # A lazily loaded command's options complete too.
    env = {"_RISKCURVE_COMPLETE": "complete_bash", "COMP_WORDS": "riskcurve sweep --exec", "COMP_CWORD": "2"}
    done = _riskcurve(env=env)
    assert done.returncode == 0 and done.stdout.split() == ["--executor"]
    # The script `--show-completion` prints for the shell it detects, asked for bash by name
    # (detection depends on the processes above the test, which CI does not promise).
    done = _riskcurve(env={"_RISKCURVE_COMPLETE": "source_bash"})
    assert done.returncode == 0 and "_RISKCURVE_COMPLETE=complete_bash" in done.stdout


@pytest.mark.parametrize("extra", [[], ["--json"]])
def test_a_reader_that_goes_away_ends_the_command_quietly(filled_store_path: Path, extra: list[str]) -> None:
    code = (
        "from riskcurve.cli import main\nmain("
        + repr(["series", "show", "BTC", "--store", str(filled_store_path), *extra])
        + ")"
    )
    child = subprocess.Popen(
        [sys.executable, "-P", "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert child.stdout is not None and child.stderr is not None
    child.stdout.close()  # the reader is gone before the first line is written: every write fails
    stderr = child.stderr.read()
    assert child.wait(timeout=120) == 141
    assert stderr == ""


# --- the package's top -------------------------------------------------------------------------


def test_entry_points_come_from_the_package_top() -> None:
    from riskcurve.backtest.engine import Backtest
    from riskcurve.backtest.sweep.run import Sweep
    from riskcurve.report.html import build_report
    from riskcurve.stats.event_study import EventStudy
    from riskcurve.stats.leadlag import LeadLag

    assert riskcurve.EventStudy is EventStudy and riskcurve.LeadLag is LeadLag
    assert riskcurve.Backtest is Backtest and riskcurve.Sweep is Sweep and riskcurve.build_report is build_report
    assert {"EventStudy", "LeadLag", "Backtest", "Sweep", "Executor", "build_report"} <= set(dir(riskcurve))


def test_the_version_is_written_once() -> None:
    pyproject = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    assert 'dynamic = ["version"]' in pyproject and "\nversion =" not in pyproject
    assert riskcurve.__version__.count(".") >= 2
    changelog = (REPO / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"## [{riskcurve.__version__}]" in changelog
    assert (REPO / "LICENSE").read_text(encoding="utf-8").startswith("MIT License")
