"""The glossary: one data file, every series and term explained, shown as a section and on hover."""

from __future__ import annotations

import html
from pathlib import Path

from riskcurve.data.symbols import CATALOGUE
from riskcurve.report import glossary

DOCS = Path(__file__).resolve().parents[3] / "docs" / "glossary.md"


def test_docs_glossary_is_the_data_file_written_out() -> None:
    assert DOCS.read_text(encoding="utf-8") == glossary.glossary_markdown(), (
        "docs/glossary.md is out of date: regenerate it from src/riskcurve/report/glossary.yaml"
    )


def test_every_catalogued_and_stored_series_is_explained(filled_store) -> None:  # type: ignore[no-untyped-def]
    stored = set(filled_store.list_series()["symbol"])
    missing = sorted(s for s in stored | set(CATALOGUE) | {"ALT_BASKET"} if glossary.hover_text(s) is None)
    assert missing == []


def test_the_issue_s_jargon_is_explained() -> None:
    for term in ("TGA", "RRP", "BAMLH0A0HYM2", "MDE", "Holm", "log return", "net liquidity", "contradicted"):
        assert glossary.hover_text(term), term


def test_hover_text_goes_on_the_first_use_in_text_only() -> None:
    fragment = (
        "<p class='lead' title='TGA'>The TGA and the TGA again; MDE = 6.8%.</p>"
        "<h2>RRP</h2><abbr>RRP</abbr><a href='#x'>p (Holm)</a> stable MDE"
    )
    out = glossary.annotate(fragment)
    assert out.count("<abbr class='gloss'") == 3  # TGA, MDE and "p (Holm)": once each
    assert "title='TGA'>" in out  # attributes are never touched
    assert "<h2>RRP</h2><abbr>RRP</abbr>" in out  # nor headings, nor what is already explained
    tga = glossary.hover_text("TGA")
    assert tga is not None and f"<abbr class='gloss' title='{html.escape(tga)}'>TGA</abbr> and the TGA again" in out
    # Common words are left alone on hover ("return", "base"): the section explains them.
    assert glossary.annotate("the return over the base") == "the return over the base"


def test_used_in_finds_a_term_by_any_spelling() -> None:
    used = [e.term for e in glossary.used_in("Fed assets minus the <b>Treasury General Account</b>")]
    assert used == ["TGA"]


def test_pieces_mark_each_term_s_first_use_as_annotate_does() -> None:
    text = "the TGA rose, the TGA fell, the high-yield spread widened and the return was flat"
    runs = glossary.pieces(text)
    assert "".join(run for run, _ in runs) == text  # nothing lost or added
    marked = [(run, entry.term) for run, entry in runs if entry is not None]
    assert marked == [("TGA", "TGA"), ("high-yield spread", "BAMLH0A0HYM2")]  # once each; not "return"
    done = {"TGA"}  # already explained earlier in the block
    assert [e.term for _, e in glossary.pieces("the TGA again", done) if e] == []
    assert glossary.pieces("") == [("", None)]
