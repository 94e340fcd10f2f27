"""The glossary: every term and series id the reader meets, explained once, in one data file.

The words live in ``glossary.yaml`` beside this module (shipped in the wheel). The report shows
the entries it uses as a short section (:func:`glossary_html`) and as hover text on each term
where it first appears in a block (:func:`annotate`); ``docs/glossary.md`` is
:func:`glossary_markdown` written out (a test keeps it in step).
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources

__all__ = [
    "Entry",
    "annotate",
    "entries",
    "glossary_html",
    "glossary_markdown",
    "hover_text",
    "pieces",
    "used_in",
]

KINDS = {"series": "Series", "term": "Terms", "grade": "Grades of a claim"}


@dataclass(frozen=True)
class Entry:
    """One glossary entry: the term as written, its kind, its explanation and other spellings."""

    term: str
    kind: str
    text: str
    aliases: tuple[str, ...] = ()

    @property
    def spellings(self) -> tuple[str, ...]:
        """The term and its aliases."""
        return (self.term, *self.aliases)


@functools.cache
def entries() -> tuple[Entry, ...]:
    """Every entry of ``glossary.yaml``, in its order.

    Raises
    ------
    ValueError
        If an entry lacks a term, a known kind or a text, or a spelling is used twice.
    """
    import yaml

    raw = yaml.safe_load(resources.files("riskcurve.report").joinpath("glossary.yaml").read_text(encoding="utf-8"))
    found: list[Entry] = []
    seen: set[str] = set()
    for position, item in enumerate(raw.get("terms") or [], start=1):
        term, kind, text = item.get("term"), item.get("kind"), item.get("text")
        if not term or kind not in KINDS or not text:
            raise ValueError(f"glossary.yaml entry {position} needs a term, a kind ({', '.join(KINDS)}) and a text")
        aliases = tuple(str(a) for a in item.get("aliases") or ())
        entry = Entry(str(term), str(kind), " ".join(str(text).split()), aliases)
        for spelling in entry.spellings:
            if spelling in seen:
                raise ValueError(f"glossary.yaml: {spelling!r} is explained twice")
            seen.add(spelling)
        found.append(entry)
    return tuple(found)


@functools.cache
def _by_spelling() -> dict[str, Entry]:
    return {spelling: entry for entry in entries() for spelling in entry.spellings}


def hover_text(term: str) -> str | None:
    """The explanation of ``term`` (or one of its aliases), or ``None`` when it has none."""
    entry = _by_spelling().get(term)
    return entry.text if entry is not None else None


def _hovered(spelling: str) -> bool:
    # Plain lowercase words ("return", "base", "consistent") are everywhere in the prose: they
    # are explained in the section, not underlined at every turn. Acronyms, series ids and
    # phrases of several words get hover text.
    return any(c.isupper() for c in spelling) or (" " in spelling or "-" in spelling) and len(spelling) > 4


@functools.cache
def _pattern() -> re.Pattern[str]:
    spellings = sorted((s for s in _by_spelling() if _hovered(s)), key=len, reverse=True)
    words = "|".join(re.escape(s) for s in spellings)
    return re.compile(rf"(?<![\w.-])(?:{words})(?![\w-])")


def pieces(text: str, done: set[str] | None = None) -> list[tuple[str, Entry | None]]:
    """Plain ``text`` cut into runs: each first use of a glossary term with its entry, the rest with ``None``.

    What :func:`annotate` does to HTML, for surfaces that build their own elements (the
    dashboard wraps each term in an ``<abbr>`` with the entry's text as its hover text). ``done``
    holds the terms already explained in the same block; it is updated.
    """
    done = set() if done is None else done
    found: list[tuple[str, Entry | None]] = []
    start = 0
    for match in _pattern().finditer(text):
        entry = _by_spelling()[match.group(0)]
        if entry.term in done:
            continue
        done.add(entry.term)
        if match.start() > start:
            found.append((text[start : match.start()], None))
        found.append((match.group(0), entry))
        start = match.end()
    if start < len(text) or not found:
        found.append((text[start:], None))
    return found


_TAG = re.compile(r"(<[^>]*>)")
_SKIP_INSIDE = ("abbr", "script", "style", "h1", "h2", "title")


def annotate(fragment: str) -> str:
    """``fragment`` (escaped HTML) with the first use of each glossary term given hover text.

    Only text between tags changes (never a tag or an attribute), nothing inside ``<abbr>``,
    ``<script>``, ``<style>`` or a heading.
    """
    pattern = _pattern()
    done: set[str] = set()
    skipping: list[str] = []
    out: list[str] = []
    for piece in _TAG.split(fragment):
        if piece.startswith("<"):
            name = re.match(r"</?\s*([a-zA-Z0-9]+)", piece)
            if name and name.group(1).lower() in _SKIP_INSIDE:
                if piece.startswith("</"):
                    if skipping:
                        skipping.pop()
                elif not piece.endswith("/>"):
                    skipping.append(name.group(1).lower())
            out.append(piece)
            continue
        if skipping or not piece:
            out.append(piece)
            continue

        def wrap(match: re.Match[str]) -> str:
            spelling = html.unescape(match.group(0))
            entry = _by_spelling()[spelling]
            if entry.term in done:
                return match.group(0)
            done.add(entry.term)
            return f"<abbr class='gloss' title='{html.escape(entry.text)}'>{match.group(0)}</abbr>"

        out.append(pattern.sub(wrap, piece))
    return "".join(out)


def used_in(text: str) -> list[Entry]:
    """The entries whose term or an alias appears in ``text`` (plain text or HTML), in glossary order."""
    plain = html.unescape(_TAG.sub(" ", text))
    return [
        entry
        for entry in entries()
        if any(re.search(rf"(?<![\w.-]){re.escape(s)}(?![\w-])", plain) for s in entry.spellings)
    ]


def _grouped(chosen: Iterable[Entry]) -> list[tuple[str, list[Entry]]]:
    groups: dict[str, list[Entry]] = {}
    for entry in chosen:
        groups.setdefault(entry.kind, []).append(entry)
    return [(KINDS[kind], groups[kind]) for kind in KINDS if kind in groups]


def glossary_html(chosen: Sequence[Entry]) -> str:
    """The report's glossary section body: the chosen entries, grouped by kind."""
    parts = []
    for title, group in _grouped(chosen):
        items = "".join(f"<dt>{html.escape(e.term)}</dt><dd>{html.escape(e.text)}</dd>" for e in group)
        parts.append(f"<h3>{html.escape(title)}</h3><dl class='glossary'>{items}</dl>")
    return "".join(parts)


def glossary_markdown() -> str:
    """The whole glossary as Markdown (``docs/glossary.md``)."""
    lines = [
        "# Glossary",
        "",
        "Every term and series id the report, the dashboard and the command line use. Generated from",
        "`src/riskcurve/report/glossary.yaml`, the one place these words live (the report shows them",
        "as a section and as hover text, the dashboard as hover text); edit that file, then",
        "`python -c 'from riskcurve.report.glossary import glossary_markdown as g; print(g(), end=\"\")' "
        "> docs/glossary.md`.",
    ]
    for title, group in _grouped(entries()):
        lines += ["", f"## {title}", ""]
        for entry in group:
            also = f" (also: {', '.join(entry.aliases)})" if entry.aliases else ""
            lines.append(f"- **{entry.term}**{also}: {entry.text}")
    return "\n".join(lines) + "\n"
