"""Help that tells the truth: every option a command's help mentions exists, defaults show, and
every line of it (prose, option cells, examples) fits an 80-column terminal without being cut."""

from __future__ import annotations

import functools
import re

import click
import pytest
import typer
from typer.testing import CliRunner

from riskcurve.cli import app

_OPTION = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]+")
_QUOTED = re.compile(r"`(riskcurve [^`]*)`")


def _commands() -> dict[tuple[str, ...], click.Command]:
    root = typer.main.get_command(app)
    found: dict[tuple[str, ...], click.Command] = {}

    def walk(path: tuple[str, ...], command: click.Command) -> None:
        found[path] = command
        if hasattr(command, "list_commands"):
            context = click.Context(command)
            for name in command.list_commands(context):  # type: ignore[attr-defined]
                sub = command.get_command(context, name)  # type: ignore[attr-defined]
                if sub is not None and not sub.hidden:
                    walk((*path, name), sub)

    walk((), root)
    return found


COMMANDS = _commands()


def _options(path: tuple[str, ...]) -> set[str]:
    """The options ``path``'s help lists in its option tables (what a reader can actually type)."""
    found = {"--help"}
    for line in _help(path).splitlines():
        cell = line.strip().strip("│").strip().lstrip("*").strip()
        if cell.startswith("-"):
            for token in cell.split()[:2]:
                found.update(o for o in token.split("/") if o.startswith("--"))
    return found


def _target(words: list[str]) -> tuple[str, ...]:
    path: tuple[str, ...] = ()
    for word in words:
        if (*path, word) in COMMANDS:
            path = (*path, word)
        else:
            break
    return path


#: The narrowest terminal the help is written for.
WIDTH = 80
_BOX = str.maketrans({c: " " for c in "│╭╮╰╯─"})
_ITEM = re.compile(r"^([-*•]|\d+[.)]) ")


@functools.cache
def _help(path: tuple[str, ...], width: int = WIDTH) -> str:
    result = CliRunner().invoke(app, [*path, "--help"], terminal_width=width, env={"COLUMNS": str(width)})
    assert result.exit_code == 0, (path, result.output)
    return result.output


def _words(text: str) -> set[str]:
    return set(text.translate(_BOX).split())


@pytest.mark.parametrize("path", sorted(COMMANDS), ids=lambda p: " ".join(p) or "riskcurve")
def test_every_option_the_help_mentions_exists(path: tuple[str, ...]) -> None:
    text = " ".join(_help(path).replace("│", " ").split())
    own = _options(path)
    for sub in COMMANDS:  # a group's help lists its commands, whose options it may name
        if len(sub) == len(path) + 1 and sub[: len(path)] == path:
            own |= _options(sub)
    # An option quoted with another command (`riskcurve series export --out F`) belongs to that one.
    for quoted in _QUOTED.findall(text):
        target = _target(quoted.split()[1:])
        for option in _OPTION.findall(quoted):
            assert option in _options(target), f"`{quoted}` names {option}, which {target} lacks"
    rest = _QUOTED.sub(" ", text)
    for option in _OPTION.findall(rest):
        assert option in own, f"`riskcurve {' '.join(path)} --help` mentions {option}, which it does not have"


@pytest.mark.parametrize("path", sorted(p for p in COMMANDS if p), ids=" ".join)
def test_defaults_are_shown_never_blank(path: tuple[str, ...]) -> None:
    text = _help(path)
    assert "[default: ]" not in text and not re.search(r"\w \.\s", text.replace("│", " ")), text


@pytest.mark.parametrize("path", sorted(COMMANDS), ids=lambda p: " ".join(p) or "riskcurve")
def test_help_fits_80_columns_with_nothing_cut(path: tuple[str, ...]) -> None:
    narrow = _help(path)
    assert all(len(line) <= WIDTH for line in narrow.splitlines()), narrow
    cut = [line for line in narrow.splitlines() if "…" in line]
    assert not cut, f"`riskcurve {' '.join(path)} --help` cuts lines at {WIDTH} columns:\n" + "\n".join(cut)
    # Every word (an example such as cascade:small_caps_to_lit, a URL, a variable) shown on a
    # wide terminal is shown whole on a narrow one: none folded in two, none dropped.
    missing = _words(_help(path, 200)) - _words(narrow)
    assert not missing, f"`riskcurve {' '.join(path)} --help` at {WIDTH} columns loses {sorted(missing)}"


@pytest.mark.parametrize("path", sorted(COMMANDS), ids=lambda p: " ".join(p) or "riskcurve")
def test_help_prose_is_wrapped_by_the_terminal_not_the_source(path: tuple[str, ...]) -> None:
    """No ragged half-lines: a prose line ends short only where its paragraph or list item ends."""
    lines = [line.rstrip() for line in _help(path).splitlines()]
    ragged = []
    for line, following in zip(lines, lines[1:], strict=False):
        prose = line.strip() and following.strip() and "Usage:" not in line
        if not prose or line.lstrip()[:1] in "│╭╰" or following.lstrip()[:1] in "│╭╰":
            continue  # a blank line ends a paragraph; cells in a box are wrapped by rich
        if _ITEM.match(following.strip()):
            continue
        if len(line) + 1 + len(following.split()[0]) < WIDTH - 2:
            ragged.append(f"{line!r} / {following.strip()[:30]!r}")
    assert not ragged, "lines broken by the source, not the terminal:\n" + "\n".join(ragged)


def _default_shown(value: object, param: click.Option) -> str:
    if isinstance(value, bool) and param.secondary_opts:
        names = param.opts if value else param.secondary_opts
        return names[0].lstrip("-")
    if isinstance(value, list | tuple):
        return ", ".join(map(str, value))
    return str(value)


@pytest.mark.parametrize("path", sorted(p for p in COMMANDS if p), ids=" ".join)
def test_every_default_is_shown(path: tuple[str, ...]) -> None:
    """An option with a default shows it: typer's ``[default: X]`` or its help's own "(default: ...)"."""
    _help(path)  # loads a lazy command's module
    command = typer.main.get_command(app)
    for word in path:
        command = command.get_command(click.Context(command), word)  # type: ignore[attr-defined]
    text = " ".join(_help(path).translate(_BOX).split())
    for param in command.params:
        if not isinstance(param, click.Option) or param.name == "help":
            continue
        value = param.default
        if value is None or value is False or value == () or value == []:
            continue  # no default to show: the option is off or computed (its help says how)
        if "default" in (param.help or "").lower():
            continue  # the help text itself says what the default is
        shown = f"[default: {_default_shown(value, param)}]"
        assert shown in text, f"`riskcurve {' '.join(path)} --help` does not show {param.opts[0]}'s {shown}"
