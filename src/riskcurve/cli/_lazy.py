"""Command groups loaded when their command runs, so ``riskcurve --help`` starts at once.

Most command modules build their help from registries (signals, rules, grids, checks) whose
modules import pandas, scipy or arch; importing them all would make every call, even
``--help``, pay for libraries it does not use. The root group below lists those commands from
:data:`LAZY_COMMANDS` (name, module, one-line help) and imports a module only when one of its
commands is resolved for running or for its own ``--help``. A test checks that the table
matches the commands the modules really define.
"""

from __future__ import annotations

import importlib
import inspect
import re
from typing import Any

from typer import _click
from typer.core import TyperCommand, TyperGroup

#: Command name -> (module in :mod:`riskcurve.cli`, the help line ``riskcurve --help`` shows).
LAZY_COMMANDS: dict[str, tuple[str, str]] = {
    "backtest": ("backtest", "Backtest a long/flat rule against buy-and-hold and the halving-cycle rule."),
    "check": (
        "check",
        "Check claims against the data: definition, measured figures, n, p, power, grade.",
    ),
    "dashboard": (
        "dashboard",
        "A live dashboard in the browser: the regime panel and the report's charts, as of any day.",
    ),
    "digest": (
        "digest",
        "One weekly answer: the cascade's stage and clock, what changed, next-link odds, checklist, forecasts.",
    ),
    "events": ("signals", "The de-clustered event dates of a signal (one run of the state is one event)."),
    "leadlag": (
        "leadlag",
        "Cross-correlation at leads and lags (with bands and adjusted p-values), rolling correlation,\n"
        "Granger causality both ways, and a verdict on which series leads and by how much.",
    ),
    "regime": (
        "signals",
        "The whole picture for one day: cascade, liquidity, breakout, divergences, altseason, cycle, volatility.",
    ),
    "report": ("report", "Write the self-contained HTML report (opens without a server or internet)."),
    "signal": ("signals", "A signal's daily values, computed only from what was known on each day."),
    "study": ("study", "What followed a signal's events in a target, compared with what follows any day."),
    "sweep": ("backtest", "Sweep a grid of signal definitions x lags x assets, with multiple-testing adjustments."),
    "track-record": (
        "track_record",
        "How good the digest's probabilities have been: Brier, log score, skill over the base rate, reliability.",
    ),
    "watch": (
        "watch",
        "Notify once per change: cascade links lit/dark, a confirmed RUT breakout, divergences, altseason, liquidity.",
    ),
}
#: The modules holding lazy commands; every other command module is imported at start.
LAZY_MODULES = frozenset(module for module, _ in LAZY_COMMANDS.values())


#: A line that starts an item of a list (kept on its own line when a paragraph is reflowed).
_ITEM = re.compile(r"^\s*(?:[-*\u2022]|\d+[.)])\s")


def reflow(help_text: str | None) -> str | None:
    """``help_text`` with each paragraph's single line breaks joined, so the terminal wraps it.

    Docstrings are wrapped at the source's width; typer keeps those line breaks after the first
    paragraph, which leaves ragged half-lines at 80 columns. Paragraphs stay apart, list items
    keep their own lines, and a paragraph marked ``\\b`` (click's "do not rewrap") is kept as is.
    """
    if not help_text:
        return help_text
    text, cut, rest = inspect.cleandoc(help_text).partition("\f")
    paragraphs = []
    for paragraph in text.split("\n\n"):
        if paragraph.startswith("\b"):
            paragraphs.append(paragraph)
            continue
        lines: list[str] = []
        for line in paragraph.splitlines():
            if lines and not _ITEM.match(line):
                lines[-1] = f"{lines[-1]} {line.strip()}"
            else:
                lines.append(line.rstrip())
        paragraphs.append("\n".join(lines))
    return "\n\n".join(paragraphs) + cut + rest


def _reflowed(command: _click.Command) -> _click.Command:
    """``command`` (and, for a group, its subcommands) with reflowed help, once."""
    if not getattr(command, "_riskcurve_reflowed", False):
        command.help = reflow(command.help)
        command._riskcurve_reflowed = True  # type: ignore[attr-defined]
        for sub in getattr(command, "commands", {}).values():
            _reflowed(sub)
    return command


class LazyGroup(TyperGroup):
    """The root command group: lists every command, imports a lazy one's module only to run it."""

    def list_commands(self, ctx: _click.Context) -> list[str]:
        return sorted({*self.commands, *LAZY_COMMANDS})

    def get_command(self, ctx: _click.Context, cmd_name: str) -> _click.Command | None:
        loaded = self.commands.get(cmd_name)
        if loaded is not None:
            return _reflowed(loaded)
        if cmd_name not in LAZY_COMMANDS:
            return None
        # Listing help only needs the name and the help line.
        return TyperCommand(name=cmd_name, help=reflow(LAZY_COMMANDS[cmd_name][1]), callback=None)

    def resolve_command(
        self, ctx: _click.Context, args: list[str]
    ) -> tuple[str | None, _click.Command | None, list[str]]:
        if args and args[0] not in self.commands:
            self.load(args[0])
        return super().resolve_command(ctx, args)

    def load(self, cmd_name: str | None = None) -> None:
        """Import the module defining ``cmd_name`` (every lazy module when unknown) and add its commands."""
        import typer.main

        from riskcurve.cli._common import app

        home = LAZY_COMMANDS.get(cmd_name or "")
        for module in [home[0]] if home else sorted(LAZY_MODULES):
            importlib.import_module(f"riskcurve.cli.{module}")
        built: Any = typer.main.get_group(app)
        for name, command in built.commands.items():
            self.commands.setdefault(name, command)
