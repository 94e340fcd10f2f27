"""The defaults every resampling shares: one seed and one resample count.

The CLI (``study``, ``lead-lag``, ``check``), the report and the dashboard all start from these,
so the same question asked twice, or in two places, gives the same numbers. ``--seed`` changes
the draws (a grade or verdict should not depend on it; the numbers move in their last digits).
"""

from __future__ import annotations

#: Seed of every resampling unless one is given (``--seed``).
SEED = 20260121
#: Permutations and bootstrap resamples of a study unless a count is given (``--reps``).
REPS = 2000

__all__ = ["REPS", "SEED"]
