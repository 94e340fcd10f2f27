"""The symbols a claim names, checked before anything runs: a misspelt one is an error, not "data missing".

A symbol is known when the store holds it, the catalogue lists it (it may simply not be
fetched yet: that claim then says "data missing, run `riskcurve update`"), it is the altcoin
basket or a derived series, or the claim's own ``needs-data`` wrapper says the user must import
it. Anything else is refused with the nearest known names ("did you mean RUT?").
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator
from typing import Any

from pydantic import BaseModel

from riskcurve.data.store import Store
from riskcurve.errors import UnknownSymbolError
from riskcurve.stats.claims.context import ALT_NAMES
from riskcurve.stats.claims.language import Claim, NeedsDataClaim

#: Fields of the language whose values are symbols (or ``A/B``, or lists of them).
SYMBOL_FIELDS = frozenset(
    {"series", "relative_to", "symbol", "targets", "target", "lead", "lag", "others", "assets", "show", "first"}
)
#: Parameters of named figures that are symbols.
SYMBOL_PARAMETERS = frozenset({"symbol", "small", "large", "candidates"})


def _names(value: Any) -> Iterator[str]:
    for item in value if isinstance(value, list | tuple) else [value]:
        if isinstance(item, str):
            yield from (part.strip().upper() for part in item.split("/") if part.strip())


def referenced(node: Any) -> Iterator[str]:
    """Every symbol a claim (or any part of its definition) names, parts of ``A/B`` included."""
    if not isinstance(node, BaseModel):
        if isinstance(node, list | tuple):
            for item in node:
                yield from referenced(item)
        return
    for name in type(node).model_fields:
        value = getattr(node, name)
        if value is None:
            continue
        if name in SYMBOL_FIELDS:
            yield from _names(value)
        elif name == "parameters" and getattr(node, "figure", None) is not None:
            for key, given in value.items():
                if key in SYMBOL_PARAMETERS:
                    yield from _names(given)
        elif isinstance(value, BaseModel | list | tuple):
            yield from referenced(value)


def known_symbols(store: Store | None) -> set[str]:
    """Names a claim may use on this store (``None``: the catalogue and the derived series only)."""
    from riskcurve.data.symbols import CATALOGUE, MARKET_CAP_SUFFIX
    from riskcurve.signals.derived import DERIVED

    names = (set(store.symbols()) if store is not None else set()) | set(CATALOGUE) | set(DERIVED) | set(ALT_NAMES)
    names |= {f"{name}{MARKET_CAP_SUFFIX}" for name, spec in CATALOGUE.items() if spec.kind == "price"}
    return names


def unknown_symbols(claim: Claim, known: set[str]) -> list[str]:
    """The symbols ``claim`` names that are not in ``known`` (nor imported by its needs-data)."""
    allowed = set(known)
    if isinstance(claim, NeedsDataClaim):
        allowed |= {s.strip().upper() for s in claim.definition.series}
    if hasattr(claim, "definition") and hasattr(claim.definition, "parts"):
        found: list[str] = []
        for part in claim.definition.parts:
            found.extend(s for s in unknown_symbols(part, allowed) if s not in found)
        return found
    return list(dict.fromkeys(s for s in referenced(claim) if s not in allowed))


def check_symbols(claims: Iterable[Claim], store: Store | None) -> None:
    """Refuse a claim that names a symbol nobody knows, offering the nearest names.

    Raises
    ------
    UnknownSymbolError
        The first unknown symbol, the claim naming it, and the closest known names.
    """
    known = known_symbols(store)
    for claim in claims:
        for symbol in unknown_symbols(claim, known):
            # Market-cap series (BTC_MCAP...) are offered only for a name that asks for one.
            offered = sorted(k for k in known if "MCAP" in symbol or not k.endswith("_MCAP"))
            near = difflib.get_close_matches(symbol, offered, n=3, cutoff=0.6)
            hint = f"; did you mean {' or '.join(near)}?" if near else "; `riskcurve series list` shows the known ones"
            raise UnknownSymbolError(f"claim {claim.id}: unknown symbol {symbol!r}{hint}", symbol=None)
