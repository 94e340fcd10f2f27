"""Untrusted text is data (issue 20, item 4): rich markup and terminal escapes from files,
flags, snapshot file names and claim packs are shown as written, and escaped in the report."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from riskcurve.data.store import Store
from riskcurve.untrusted import clean, for_html, for_terminal

Cli = Callable[..., tuple[int, str, str]]
ESC = "\x1b"
#: An OSC 8 hyperlink, a colour, a window title and a bell: nothing of it may reach a terminal.
ESCAPES = f"{ESC}]8;;https://evil.invalid{ESC}\\click{ESC}]8;;{ESC}\\{ESC}[31mred{ESC}[0m{ESC}]0;title\x07\x07"


def test_the_helper_strips_sequences_and_escapes_markup() -> None:
    assert clean(ESCAPES) == "clickred"
    assert clean("a\nb\tc\x00d\x9b31me") == "a b cde"
    assert clean("a\nb", one_line=False) == "a\nb"
    assert for_terminal("[/red] [link=https://x]y[/link]") == "\\[/red] \\[link=https://x]y\\[/link]"
    assert for_html("<script>alert(1)</script>") == "&lt;script&gt;alert(1)&lt;/script&gt;"


@pytest.fixture
def store_with_hostile_import(filled_store_path: Path, tmp_path: Path) -> Path:
    store = tmp_path / "s.duckdb"
    shutil.copy(filled_store_path, store)
    return store


def _import(cli: Cli, store: Path, tmp_path: Path, unit: str, description: str) -> None:
    data = tmp_path / "flows.csv"
    data.write_text("date,value\n2024-01-02,1.5\n2024-01-03,2.5\n")
    code, _, err = cli(
        "import", str(data), "--name", "FLOWS", "--unit", unit, "--description", description, "--store", str(store)
    )
    assert code == 0, err


def test_markup_and_escapes_in_an_import_are_shown_as_text(
    cli: Cli, store_with_hostile_import: Path, tmp_path: Path
) -> None:
    store = store_with_hostile_import
    _import(cli, store, tmp_path, "[/red]" + ESCAPES, "[link=https://evil.invalid]desc[/link] [bold]")
    for argv in (("series", "list"), ("series", "show", "FLOWS")):
        code, out, err = cli(*argv, "--store", str(store))
        assert code == 0, err
        assert ESC not in out + err and "\x07" not in out + err
        assert "[/red]" in out
    code, out, _ = cli("series", "show", "FLOWS", "--store", str(store))
    assert "[link=https://evil.invalid]desc[/link] [bold]" in " ".join(out.split())  # the title may wrap


def test_a_claim_statement_with_markup_is_shown_as_written(cli: Cli, tmp_path: Path) -> None:
    from riskcurve.stats.claims import TEMPLATE

    claims = tmp_path / "claims.yaml"
    claims.write_text(
        TEMPLATE.replace('"Small caps beat the S&P 500 11 sessions in a row"', '"[/bold] x \\e[31mred"'),
        encoding="utf-8",
    )
    code, out, err = cli("claims", "list", "--file", str(claims))
    assert code == 0, err
    assert "[/bold] x" in out and ESC not in out


def test_snapshot_file_names_that_are_not_symbols_are_not_read(cli: Cli, mini_snapshot: Path, tmp_path: Path) -> None:
    odd = mini_snapshot / "prices" / f"EV{ESC}[2JIL\nX.csv"
    shutil.copy(mini_snapshot / "prices" / "RUT.csv", odd)
    store = tmp_path / "s.duckdb"
    code, _, err = cli("update", "--offline", "--snapshot", str(mini_snapshot), "--store", str(store))
    assert code == 0, err
    assert ESC not in err and "ignored 1 snapshot file(s) whose names are not symbols: 'prices/EVIL\\nX.csv'" in err
    with Store(store, read_only=True) as db:
        assert sorted(db.symbols()) == ["BTC", "M2SL", "RUT", "WALCL"]


def test_the_report_escapes_a_hostile_import(store_with_hostile_import: Path, tmp_path: Path) -> None:
    from riskcurve.data.ingest import import_csv
    from riskcurve.report.html import build_report

    store = store_with_hostile_import
    data = tmp_path / "flows.csv"
    data.write_text("date,value\n2024-01-02,1.5\n2024-01-03,2.5\n")
    script = "<script>alert('unit')</script>"
    image = '<img src=x onerror="alert(1)">'
    with Store(store) as db:
        import_csv(db, data, "FLOWS", unit=script, description=image)
    out = tmp_path / "r.html"
    with Store(store, read_only=True) as db:
        build_report(db, out, reps=10, seed=1)
    page = out.read_text(encoding="utf-8")
    assert script not in page and image not in page
    assert "&lt;script&gt;alert(&#x27;unit&#x27;)&lt;/script&gt;" in page or "&lt;script&gt;" in page
