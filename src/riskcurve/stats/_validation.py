"""Argument checks the statistics share, so every public class validates its arguments the same way.

Each study checks its arguments once, at its boundary (the constructor, or the public function),
with these functions: a wrong type raises :class:`TypeError`, a wrong value :class:`ValueError`,
and the message names the argument and what it accepts. Checks of one study's own arguments
(its events, its state, its series) stay with that study.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["check_alpha", "check_block_length", "check_int", "check_seed", "check_string"]


def check_int(name: str, value: object, minimum: int) -> int:
    """``value`` as an ``int`` of at least ``minimum`` (``bool`` is not an integer here)."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TypeError(f"{name} must be an int; got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}; got {value}")
    return int(value)


def check_alpha(alpha: object) -> float:
    """A significance level strictly between 0 and 0.5, as a ``float``."""
    if isinstance(alpha, bool) or not isinstance(alpha, int | float | np.integer | np.floating):
        raise TypeError(f"alpha must be a number; got {type(alpha).__name__}")
    if not 0.0 < float(alpha) < 0.5:
        raise ValueError(f"alpha must be strictly between 0 and 0.5 (e.g. 0.05 for 95% intervals); got {alpha}")
    return float(alpha)


def check_seed(seed: object) -> int | np.random.Generator | None:
    """Randomness as every riskcurve function takes it: an int, a numpy Generator (used as is) or None."""
    if seed is None or isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, int | np.integer) and not isinstance(seed, bool):
        return int(seed)
    raise TypeError(f"seed must be an int, a numpy Generator or None; got {type(seed).__name__}")


def check_block_length(block_length: object) -> float:
    """A bootstrap's (mean) block length: a finite number of at least 1 bar."""
    if isinstance(block_length, bool) or not isinstance(block_length, int | float | np.integer | np.floating):
        raise TypeError(f"block_length must be a number >= 1, got {block_length!r}")
    if not math.isfinite(float(block_length)) or float(block_length) < 1:
        raise ValueError(f"block_length must be a finite number >= 1, got {block_length!r}")
    return float(block_length)


def check_string(name: str, value: object) -> str:
    """``value`` if it is a ``str``."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, got {type(value).__name__}")
    return value
