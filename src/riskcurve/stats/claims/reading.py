"""Reading a claim file: YAML read safely, validated against the language, errors with their line.

Duplicate keys are refused and aliases may expand to at most :data:`MAX_NODES` values (an alias
bomb fails at once). Errors name the file, the line and the field: pydantic's error location is
walked through the YAML node tree (``yaml.compose``) to the node's line.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import yaml
from pydantic import ValidationError

from riskcurve.errors import ClaimFileError
from riskcurve.stats.claims.language import KINDS, MAX_NODES, ClaimFile, EpisodeClaim

__all__ = ["TEMPLATE", "load_claims", "parse_claims"]


# -- reading ----------------------------------------------------------------------------------


class _Loader(yaml.SafeLoader):
    """SafeLoader that leaves dates as text, so pydantic validates them (and a bad one gets a line)."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _check_tree(root: yaml.Node | None, name: str) -> None:
    """Refuse duplicate keys, and a document whose aliases expand past :data:`MAX_NODES` values.

    The node tree shares an aliased node rather than copying it, so its expanded size is
    counted once per node (memoised): an alias bomb is refused in microseconds.
    """
    sizes: dict[int, int] = {}

    def size(node: yaml.Node, depth: int) -> int:
        if id(node) in sizes:
            return sizes[id(node)]
        if depth > 100:
            raise ClaimFileError(name, node.start_mark.line + 1, None, "nested more than 100 levels deep")
        sizes[id(node)] = MAX_NODES + 1  # a node that contains itself expands without end
        total = 1
        if isinstance(node, yaml.MappingNode):
            seen: dict[str, int] = {}
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.value != "<<":
                    if key.value in seen:
                        raise ClaimFileError(
                            name,
                            key.start_mark.line + 1,
                            key.value,
                            f"duplicate key {key.value!r} (first on line {seen[key.value]})",
                        )
                    seen[key.value] = key.start_mark.line + 1
                total += size(key, depth + 1) + size(value, depth + 1)
        elif isinstance(node, yaml.SequenceNode):
            total += sum(size(item, depth + 1) for item in node.value)
        if total > MAX_NODES:
            raise ClaimFileError(
                name, node.start_mark.line + 1, None, f"expands to more than {MAX_NODES:,} values (YAML aliases)"
            )
        sizes[id(node)] = total
        return total

    if root is not None:
        size(root, 0)


def _node_at(root: yaml.Node | None, loc: Sequence[int | str]) -> tuple[yaml.Node | None, list[str]]:
    """The deepest YAML node on pydantic's error path, and the path's YAML part in words."""
    node = root
    found: list[str] = []
    for step in loc:
        if isinstance(node, yaml.MappingNode) and isinstance(step, str):
            match = next((value for key, value in node.value if getattr(key, "value", None) == step), None)
            if match is None:
                if step in KINDS:  # the discriminator's tag is not a YAML key
                    continue
                found.append(step)
                break
            node = match
            found.append(step)
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int):
            if step >= len(node.value):
                break
            node = node.value[step]
            found[-1:] = [f"{found[-1]}[{step}]" if found else f"[{step}]"]
        else:
            # Union members and function validators add steps that are not YAML keys.
            continue
    return node, found


def _first_error(error: ValidationError, root: yaml.Node | None, name: str) -> ClaimFileError:
    errors = error.errors(include_url=False)
    # An unknown field is the cause when it comes with a "missing" one (a misspelt key).
    first = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
    loc = [step for step in first["loc"] if not (isinstance(step, str) and step.startswith("function-"))]
    if first["type"] in ("union_tag_invalid", "union_tag_not_found"):
        loc.append("kind")
    node, path = _node_at(root, loc)
    line = node.start_mark.line + 1 if node is not None else None
    message = str(first["msg"]).removeprefix("Value error, ")
    if first["type"] == "missing":
        message = "required field missing"
    elif first["type"] == "extra_forbidden":
        message = "unknown field"
    elif first["type"] == "union_tag_not_found":
        message = f"required field missing; choose one of {', '.join(KINDS)}"
    elif first["type"] == "union_tag_invalid":
        message = f"unknown kind; choose one of {', '.join(KINDS)}"
    return ClaimFileError(name, line, ".".join(path) or None, message)


def parse_claims(text: str, name: str = "<text>") -> ClaimFile:
    """Validate the text of a claim file.

    Parameters
    ----------
    text
        YAML text.
    name
        How the file is named in errors.

    Raises
    ------
    ClaimFileError
        The first thing wrong, with the file, the line and the field.
    """
    # One parse: the node tree (for line numbers) is what yaml.load would construct the document
    # from, so build the document from it rather than parsing the text a second time.
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        _check_tree(root, name)
        document = loader.construct_document(root) if root is not None else None
    except yaml.MarkedYAMLError as bad:
        mark = bad.problem_mark or bad.context_mark
        raise ClaimFileError(
            name, mark.line + 1 if mark is not None else None, None, f"not valid YAML: {bad.problem}"
        ) from None
    except yaml.YAMLError as bad:
        raise ClaimFileError(name, None, None, f"not valid YAML: {bad}") from None
    finally:
        loader.dispose()
    if not isinstance(document, dict):
        raise ClaimFileError(name, 1, None, "a claim file is a mapping with a 'claims:' list")
    try:
        parsed = ClaimFile.model_validate(document)
    except ValidationError as error:
        raise _first_error(error, root, name) from None
    _check_top_level(parsed, root, name)
    return parsed


def _check_top_level(parsed: ClaimFile, root: yaml.Node | None, name: str) -> None:
    """Claims need an id, a source and a date (parts inherit them), and ids are unique."""

    def fail(loc: list[int | str], message: str) -> ClaimFileError:
        node, path = _node_at(root, loc)
        line = node.start_mark.line + 1 if node is not None else None
        return ClaimFileError(name, line, ".".join(path) or None, message)

    seen: set[str] = set()
    for index, claim in enumerate(parsed.claims):
        for field in ("id", "source", "date"):
            if getattr(claim, field) is None:
                raise fail(["claims", index, field], "required field missing")
        if claim.id in seen:
            raise fail(["claims", index, "id"], f"claim id {claim.id!r} is used twice")
        seen.add(str(claim.id))
        if isinstance(claim, EpisodeClaim):
            names: set[str] = set()
            for number, part in enumerate(claim.definition.parts):
                if part.id is None or part.id in names:
                    where: list[int | str] = ["claims", index, "definition", "parts", number, "id"]
                    raise fail(where, "every part of an episode needs its own id")
                names.add(part.id)


def load_claims(path: str | Path) -> ClaimFile:
    """Read and validate a claim file (see :func:`parse_claims`)."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as failure:
        raise ClaimFileError(str(file), None, None, f"cannot read it: {failure.strerror or failure}") from None
    return parse_claims(text, str(file))


TEMPLATE = """\
# A riskcurve claim file: `riskcurve check --file THIS_FILE`, `riskcurve claims validate THIS_FILE`.
# Each claim is measured as of its own date; --as-of only limits what data is visible.
# The language is taught in docs/claims.md; `riskcurve claims show C02` prints a built-in example.
version: 1
claims:
  # A figure over a window, against the claimed value.
  - id: MY01
    statement: "Small caps beat the S&P 500 11 sessions in a row"
    source: "where you read it"
    date: 2026-01-21           # the day the claim was made
    kind: measure
    definition:
      signal: relative-strength  # any `riskcurve signal` name; or series: RUT; or figure: NAME
      symbol: RUT
      column: streak             # the signal's column read
      statistic: nearest         # the value nearest the claim: last, max, min, mean, return, change, ...
      window: {start: 2026-01-02, end: 2026-01-21}
    expects: {value: 11, tolerance: 0}   # or at_least / at_most / equals / within

  # What followed past events, against what follows any day (an event study).
  - id: MY02
    statement: "After a 10-session small-cap streak, ETH beats its baseline over 42 days"
    source: "where you read it"
    date: 2026-01-21
    kind: history
    definition:
      events: {signal: relative-strength, symbol: RUT, parameters: {min_streak: 10}}
      targets: [ETH]
      horizons: [42]
    expects:
      direction: above           # returns after events higher than after any day
      effect: 0.05               # the size claimed (log-return difference), used for power
"""
