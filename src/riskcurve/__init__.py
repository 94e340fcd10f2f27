"""riskcurve: liquidity along the risk curve, tested honestly."""

from __future__ import annotations

__version__ = "0.1.0"
