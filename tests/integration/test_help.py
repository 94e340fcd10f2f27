"""Help that tells the truth: every option a command's help mentions exists, and defaults show."""

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


@functools.cache
def _help(path: tuple[str, ...]) -> str:
    result = CliRunner().invoke(app, [*path, "--help"], terminal_width=100, env={"COLUMNS": "100"})
    assert result.exit_code == 0, (path, result.output)
    return result.output


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
