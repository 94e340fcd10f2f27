"""Text from outside (files, flags, snapshot file names, claim packs, providers) shown as data.

Such text reaches a terminal through rich, which reads ``[bold]`` or ``[link=...]`` as markup
(and fails on ``[/red]``), and the terminal itself acts on escape sequences (colours, titles,
cursor moves, hyperlinks). In HTML it would be markup too. Every place that shows outside text
goes through one of these:

* :func:`clean`: control characters and escape sequences removed (plain ``print``, logs);
* :func:`for_terminal`: cleaned, then escaped for rich markup (``console.print``, table cells);
* :func:`for_html`: cleaned, then escaped for HTML.
"""

from __future__ import annotations

import html
import re

__all__ = ["clean", "for_html", "for_terminal"]

# ESC-introduced sequences: CSI (ESC [ ... final), OSC (ESC ] ... BEL or ST), and two-character
# escapes; then the 8-bit CSI/OSC forms. What is left of C0/C1 controls is dropped after.
_SEQUENCES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC, terminated by BEL or ST (or not at all)
    r"|\x1b[PX^_][^\x1b]*(?:\x1b\\)?"  # DCS, SOS, PM, APC
    r"|\x1b[ -/]*[0-~]?"  # other escapes
    r"|\x9b[0-?]*[ -/]*[@-~]"  # 8-bit CSI
    r"|\x9d[^\x07\x9c]*[\x07\x9c]?"  # 8-bit OSC
)
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_LINE_BREAKS = re.compile(r"[\n\t]+")


def clean(text: object, *, one_line: bool = True) -> str:
    """``text`` as a string without escape sequences or control characters.

    Parameters
    ----------
    text
        Anything; turned into a string first.
    one_line
        Also turn line breaks and tabs into single spaces (the default: a value shown in a
        table cell or a one-line message must not start a new line).
    """
    result = _CONTROLS.sub("", _SEQUENCES.sub("", str(text)))
    return _LINE_BREAKS.sub(" ", result) if one_line else result


def for_terminal(text: object, *, one_line: bool = True) -> str:
    """:func:`clean`, then escaped so that rich prints it as it is (no markup, no links)."""
    from rich.markup import escape

    return escape(clean(text, one_line=one_line))


def for_html(text: object) -> str:
    """:func:`clean`, then escaped for HTML text and attribute values."""
    return html.escape(clean(text, one_line=False), quote=True)
