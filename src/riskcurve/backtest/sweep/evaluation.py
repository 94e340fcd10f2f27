"""Running the kernel: every combination's statistics in chunks on an executor, or chosen combinations' paths."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from riskcurve.backtest.executors import Executor, Progress
from riskcurve.backtest.sweep.inputs import KernelInputs
from riskcurve.backtest.sweep.kernel import (
    _N_STATS,
    _N_WIN,
    MODE_EXCESS,
    MODE_POSITION,
    MODE_RETURNS,
    MODE_STATS,
    _paths_parallel,
    _paths_serial,
    _stats_parallel,
    _stats_serial,
)

__all__ = ["INLINE_WORK", "combo_returns", "evaluate"]

#: Below this many bar-updates (about 15 s of work on one core) the local executor runs the
#: kernel in this process on numba's threads: starting worker processes, importing riskcurve in
#: them and shipping the arrays costs several seconds, and on one machine threads and processes
#: share the same cores anyway.
INLINE_WORK = 2_000_000_000


def _factors(inputs: KernelInputs) -> tuple[float, float]:
    return (1.0 + inputs.slippage) * (1.0 + inputs.cost), (1.0 - inputs.slippage) * (1.0 - inputs.cost)


def _window_bounds(inputs: KernelInputs) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    # Per asset, the evaluated bars where the walk-forward window changes (relative bar, new window).
    positions, windows, offsets = [], [], [0]
    for a in range(len(inputs.assets)):
        ids = inputs.window_id[inputs.offsets[a] : inputs.offsets[a + 1]]
        start = int(inputs.starts[a])
        before = np.concatenate([[-1], ids[start:-1]])
        changed = np.flatnonzero(ids[start:] != before) + start
        if inputs.n_windows == 0:
            changed = changed[:0]
        positions.append(changed)
        windows.append(ids[changed])
        offsets.append(offsets[-1] + len(changed))
    return (
        np.concatenate(positions).astype(np.int64),
        np.concatenate(windows).astype(np.int64),
        np.asarray(offsets, dtype=np.int64),
    )


def _run(
    inputs: KernelInputs, ids: np.ndarray, *, mode: int, axis_map: np.ndarray | None, width: int, parallel: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    buy, sell = _factors(inputs)
    n = len(ids)
    ids = np.ascontiguousarray(ids, dtype=np.int64)
    if mode == MODE_STATS:
        stats = np.zeros((n, _N_STATS))
        wins = np.zeros((n, max(inputs.n_windows, 1), _N_WIN))
        loop = _stats_parallel if parallel else _stats_serial
        bounds, bound_windows, bound_offsets = _window_bounds(inputs)
        loop(
            ids,
            inputs.prices,
            inputs.cum,
            inputs.offsets,
            inputs.starts,
            inputs.kind,
            inputs.ma,
            inputs.states,
            inputs.combos,
            buy,
            sell,
            bounds,
            bound_windows,
            bound_offsets,
            inputs.hac_lags,
            inputs.inference,
            stats,
            wins,
        )
        return stats, wins, np.zeros((0, 0))
    out = np.zeros((n, width))
    amap = axis_map if axis_map is not None else np.full(len(inputs.prices), -1, dtype=np.int64)
    paths = _paths_parallel if parallel else _paths_serial
    paths(
        ids,
        inputs.prices,
        inputs.offsets,
        inputs.starts,
        inputs.kind,
        inputs.ma,
        inputs.states,
        inputs.combos,
        buy,
        sell,
        mode,
        amap,
        out,
    )
    return np.zeros((0, 0)), np.zeros((0, 0, 0)), out


def _stats_chunk(inputs: KernelInputs, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
    stats, wins, _ = _run(inputs, np.arange(lo, hi), mode=MODE_STATS, axis_map=None, width=1, parallel=False)
    return stats, wins


def _chunks(total: int, parts: int) -> list[tuple[int, int]]:
    parts = max(1, min(parts, total))
    edges = np.linspace(0, total, parts + 1).round().astype(int)
    return [(int(a), int(b)) for a, b in zip(edges[:-1], edges[1:], strict=True) if b > a]


def _inline(executor: Executor, work: int) -> bool:
    return executor.kind == "local" and (executor.n_workers == 1 or work < INLINE_WORK)


def evaluate(
    inputs: KernelInputs,
    executor: Executor | None = None,
    *,
    progress: Progress | None = None,
    chunks: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Run every combination: per-combination statistics and walk-forward window sums.

    Parameters
    ----------
    inputs
        From :func:`ma_cross_inputs` or :func:`state_inputs`.
    executor
        Where to run (default: local). Small local sweeps run in this process on numba
        threads (:data:`INLINE_WORK`); the numbers are the same either way.
    progress
        ``progress(done, total)`` as chunks finish.
    chunks
        Number of chunks (default: 4 per worker thread, counted on the cluster itself for
        Dask, or enough to keep chunks near 50 million bar-updates).

    Returns
    -------
    (stats, windows)
        ``stats``: ``(K, len(STAT_COLUMNS))``; ``windows``: ``(K, n_windows, 4)`` sums of bars,
        ``r``, ``r^2`` and ``log(1 + r)`` per walk-forward window.
    """
    executor = executor or Executor()
    if inputs.n_combos == 0:
        raise ValueError("the sweep has no combinations")
    if chunks is None and _inline(executor, inputs.work):
        # One call over all combinations, on numba's threads.
        stats, wins, _ = _run(
            inputs, np.arange(inputs.n_combos), mode=MODE_STATS, axis_map=None, width=1, parallel=True
        )
        if progress:
            progress(1, 1)
        return stats, wins

    def split(slots: int) -> list[tuple[int, int]]:
        # Four chunks per worker thread (the cluster's, once connected), so that a slow worker
        # does not hold the rest back; more when chunks would exceed ~50 million bar-updates.
        parts = chunks or max(4 * slots, int(math.ceil(inputs.work / 5e7)))
        return _chunks(inputs.n_combos, parts)

    pieces = executor.run(_stats_chunk, inputs, split, progress=progress)
    return np.concatenate([p[0] for p in pieces]), np.concatenate([p[1] for p in pieces])


def combo_returns(
    inputs: KernelInputs, ids: Sequence[int] | np.ndarray, axis: pd.DatetimeIndex, *, what: str = "returns"
) -> pd.DataFrame:
    """Per-bar series of some combinations on a common date axis (zero where an asset has no bar).

    Parameters
    ----------
    inputs
        The sweep's inputs.
    ids
        Combination numbers (rows of ``inputs.combos``).
    axis
        Dates of the result.
    what
        ``"returns"`` (strategy returns), ``"excess"`` (minus the asset's own return) or
        ``"position"`` (weight held after each close).

    Returns
    -------
    pandas.DataFrame
        Index ``axis``, one column per id.
    """
    modes = {"returns": MODE_RETURNS, "excess": MODE_EXCESS, "position": MODE_POSITION}
    if what not in modes:
        raise ValueError(f"what must be one of {', '.join(modes)}, got {what!r}")
    id_array = np.asarray(list(ids), dtype=np.int64)
    axis_map = _axis_map(inputs, axis)
    _, _, out = _run(inputs, id_array, mode=modes[what], axis_map=axis_map, width=len(axis), parallel=True)
    frame = pd.DataFrame(out.T, index=axis, columns=id_array)
    if what == "position":
        # A position is held on days its asset has no bar (an exchange asset at the weekend).
        for a in range(len(inputs.assets)):
            columns = id_array[inputs.combos[id_array, 0] == a]
            if len(columns):
                traded = axis.isin(inputs.dates[a][inputs.starts[a] :])
                frame.loc[~traded, columns] = np.nan
                frame[columns] = frame[columns].ffill().fillna(0.0)
    return frame


def _axis_map(inputs: KernelInputs, axis: pd.DatetimeIndex) -> np.ndarray:
    mapping = np.full(len(inputs.prices), -1, dtype=np.int64)
    for a, bars in enumerate(inputs.dates):
        position = axis.get_indexer(bars)
        start = inputs.starts[a]
        position[:start] = -1
        mapping[inputs.offsets[a] : inputs.offsets[a + 1]] = position
    return mapping
