"""Whether two ``riskcurve check --json`` outputs agree exactly: grades, figures, every field.

A speed change to the claims checker must not move any number. Save the output before the
change, run the same command after it, and compare::

    riskcurve check --json [--robustness] > before.json   # on the old code
    riskcurve check --json [--robustness] > after.json    # on the new code, same store
    python benchmarks/compare_check.py before.json after.json

Floats are compared exactly (no tolerance). Prints each path that differs (at most ``--show``)
and exits 1 if any does, 0 if the two are identical.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from typing import Any


def differences(before: Any, after: Any, path: str = "$") -> Iterator[str]:
    """Every path at which ``after`` differs from ``before``, with both values."""
    if isinstance(before, dict) and isinstance(after, dict):
        for key in sorted(set(before) | set(after)):
            if key not in after:
                yield f"{path}.{key}: missing after"
            elif key not in before:
                yield f"{path}.{key}: new after"
            else:
                yield from differences(before[key], after[key], f"{path}.{key}")
    elif isinstance(before, list) and isinstance(after, list):
        if len(before) != len(after):
            yield f"{path}: {len(before)} items before, {len(after)} after"
        for i, (b, a) in enumerate(zip(before, after, strict=False)):
            label = b.get("id") if isinstance(b, dict) and "id" in b else i
            yield from differences(b, a, f"{path}[{label}]")
    elif type(before) is not type(after) or before != after:
        yield f"{path}: {before!r} before, {after!r} after"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("before")
    parser.add_argument("after")
    parser.add_argument("--show", type=int, default=20, help="differences printed at most")
    args = parser.parse_args()
    with open(args.before, encoding="utf-8") as one, open(args.after, encoding="utf-8") as two:
        before, after = json.load(one), json.load(two)
    found = list(differences(before, after))
    for line in found[: args.show]:
        print(line)
    claims = len(before.get("claims", [])) if isinstance(before, dict) else 0
    if found:
        print(f"{len(found)} differences over {claims} claims")
        sys.exit(1)
    print(f"identical: {claims} claims, every grade and figure")


if __name__ == "__main__":
    main()
