"""Hover text on the dashboard, from the report's one glossary file (``report/glossary.yaml``).

The report wraps the first use of each term in a block in ``<abbr title=...>``
(:func:`riskcurve.report.glossary.annotate`); the dashboard builds Dash components instead of
HTML, so it cuts its text with :func:`riskcurve.report.glossary.pieces` and wraps the same terms
in :class:`dash.html.Abbr`. Same words, same rule (acronyms, series ids and phrases get hover
text; plain words are explained in the glossary), one file.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from riskcurve.report import glossary

__all__ = ["GLOSS_STYLE", "glossed", "glossed_markdown", "hover", "terms_line"]

#: How a term with hover text looks: dotted underline, help cursor (as in the report).
GLOSS_STYLE = {"textDecoration": "underline dotted", "cursor": "help"}


def glossed(text: str, done: set[str] | None = None) -> list[Any]:
    """``text`` as Dash children: each glossary term's first use (in ``done``'s block) an ``Abbr``."""
    from dash import html

    return [
        html.Abbr(run, title=entry.text, className="gloss", style=GLOSS_STYLE) if entry is not None else run
        for run, entry in glossary.pieces(text, done)
    ]


_INLINE = re.compile(r"(\*\*[^*]+\*\*|`[^`]+`)")


def _inline(line: str, done: set[str]) -> list[Any]:
    from dash import html

    found: list[Any] = []
    for part in _INLINE.split(line):
        if part.startswith("**") and part.endswith("**") and len(part) > 4:
            found.append(html.B(glossed(part[2:-2], done)))
        elif part.startswith("`") and part.endswith("`") and len(part) > 2:
            found.append(html.Code(part[1:-1]))
        elif part:
            found += glossed(part, done)
    return found


def glossed_markdown(text: str) -> list[Any]:
    """The small Markdown the digest is written in (paragraphs, ``- `` lists, ``**bold**``,
    ```code```) as Dash components, with the glossary's hover text on its terms.

    Dash's own Markdown component cannot carry hover text (it drops inline ``<abbr>``), and
    reads ``[65%-82%]`` as a link: the digest's text is built here instead, as plain text.
    """
    from dash import html

    done: set[str] = set()
    blocks: list[Any] = []
    items: list[Any] = []
    for line in [*text.splitlines(), ""]:
        if line.startswith("- "):
            items.append(html.Li(_inline(line[2:], done)))
            continue
        if items:
            blocks.append(html.Ul(items, style={"margin": "2px 0"}))
            items = []
        if line.strip():
            blocks.append(html.P(_inline(line, done), style={"margin": "6px 0 2px"}))
    return blocks


def hover(word: str, fallback: str | None = None) -> str | None:
    """The hover text of a word shown alone (a grade, a signal's name), or ``fallback``.

    A signal's name is written with a hyphen (``relative-strength``); its entry without one.
    """
    return glossary.hover_text(word) or glossary.hover_text(word.replace("-", " ")) or fallback


def terms_line(texts: Iterable[str], key: str) -> Any:
    """A small line under a chart naming the glossary terms of its title and axes, each with hover
    text (a chart's own title cannot carry any), or nothing when they use none."""
    from dash import html

    used = glossary.used_in(" ".join(t for t in texts if t))
    if not used:
        return None
    children: list[Any] = ["Terms in this chart: "]
    for number, entry in enumerate(used):
        children += [", "] if number else []
        children.append(html.Abbr(entry.term, title=entry.text, className="gloss", style=GLOSS_STYLE))
    return html.Div(children, id=f"terms-{key}", className="chart-terms", style={"fontSize": "12px", "color": "#555"})
