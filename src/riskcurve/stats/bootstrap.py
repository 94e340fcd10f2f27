"""Resampling engines: block bootstraps that respect autocorrelation, and spaced random placements.

Everything here is vectorised over resamples and takes its randomness from an injected
``seed`` (an ``int``, a :class:`numpy.random.Generator` or ``None`` for fresh entropy): the
random numbers are drawn from that generator in numpy, and numba kernels only arrange them.
The same seed therefore gives the same resamples on every machine, and nothing touches a global
random state.

Definitions follow Politis and Romano (1994) and :mod:`arch.bootstrap`, so results can be
checked against ``arch`` (the tests do):

* **stationary bootstrap** — blocks start at a uniformly drawn position and have geometric
  lengths with mean ``block_length`` (each step continues the block with probability
  ``1 - 1/block_length``); blocks wrap around the end of the sample;
* **circular block bootstrap** — blocks of fixed length ``block_length`` starting at uniform
  positions, wrapping around the end;
* **spaced placements** — ``k`` distinct positions out of ``n``, any two at least
  ``min_spacing`` apart, drawn uniformly among *all* such configurations (the null model of a
  permutation test whose real events were de-clustered with that spacing).
"""

from __future__ import annotations

import hashlib
import math
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Literal, TypeAlias

import numpy as np
from numba import njit

from riskcurve.stats._validation import check_block_length, check_int, check_seed

#: Randomness as every riskcurve function takes it.
SeedLike: TypeAlias = int | np.random.Generator | None

#: Above this many drawn numbers per chunk the engines work through resamples in chunks, so a
#: 10,000-resample run over decades of daily data stays within a few tens of megabytes.
_CHUNK_ELEMENTS = 4_000_000


def as_generator(seed: SeedLike) -> np.random.Generator:
    """A numpy Generator from ``seed`` (an int, a Generator, which is used as is, or None)."""
    checked = check_seed(seed)
    return checked if isinstance(checked, np.random.Generator) else np.random.default_rng(checked)


def optimal_block_length(x: np.ndarray, *, kind: Literal["stationary", "circular"] = "stationary") -> float:
    """Politis-White (2004, with Patton-Politis-White 2009's correction) block length for ``x``.

    The estimate of :func:`arch.bootstrap.optimal_block_length`, step for step (the tests hold
    the two equal to rounding), as one number, at least 1. It is computed here rather than
    called because importing :mod:`arch` costs a report or a study more than half a second
    (its package import loads its volatility models and, where installed, matplotlib) for
    forty lines of arithmetic.

    Parameters
    ----------
    x
        A one-dimensional series (NaNs are dropped).
    kind
        ``"stationary"`` (mean of the geometric block length) or ``"circular"``.
    """
    if kind not in ("stationary", "circular"):
        raise ValueError(f"kind must be 'stationary' or 'circular', got {kind!r}")
    values = np.asarray(x, dtype=float).ravel()
    values = values[np.isfinite(values)]
    if len(values) < 10:
        raise ValueError(f"x needs at least 10 finite values to estimate a block length, got {len(values)}")
    if np.ptp(values) == 0:
        return 1.0
    stationary, circular = _remembered_politis_white(values)
    estimate = stationary if kind == "stationary" else circular
    return max(1.0, estimate) if math.isfinite(estimate) else 1.0


#: Block lengths already estimated in this process, by the digest of the values (most recent last).
_BLOCK_LENGTHS: OrderedDict[bytes, tuple[float, float]] = OrderedDict()
_BLOCK_LENGTHS_KEPT = 1024
_BLOCK_LENGTHS_LOCK = threading.Lock()


def _remembered_politis_white(values: np.ndarray) -> tuple[float, float]:
    """:func:`_politis_white`, estimated once per process for the same values.

    A check of a claims pack (and its robustness readings) asks for the block length of the
    same return series many times: the same target at the same horizon under readings that
    change only the state or the grading. The estimate is a pure function of the values, so the
    first one is handed out again for values equal to the last bit (found by a 16-byte BLAKE2
    digest of their bytes and their count).
    """
    key = hashlib.blake2b(np.ascontiguousarray(values).tobytes(), digest_size=16).digest() + len(values).to_bytes(8)
    with _BLOCK_LENGTHS_LOCK:
        found = _BLOCK_LENGTHS.get(key)
        if found is not None:
            _BLOCK_LENGTHS.move_to_end(key)
            return found
    found = _politis_white(values)
    with _BLOCK_LENGTHS_LOCK:
        _BLOCK_LENGTHS[key] = found
        while len(_BLOCK_LENGTHS) > _BLOCK_LENGTHS_KEPT:
            _BLOCK_LENGTHS.popitem(last=False)
    return found


def _politis_white(x: np.ndarray) -> tuple[float, float]:
    """(stationary, circular) optimal block lengths, in the order of operations arch uses."""
    nobs = x.shape[0]
    eps = x - x.mean(0)
    b_max = np.ceil(min(3 * np.sqrt(nobs), nobs / 3))
    kn = max(5, int(np.log10(nobs)))
    m_max = int(np.ceil(np.sqrt(nobs))) + kn
    # The bandwidth: twice the first lag followed by kn autocorrelations inside the band.
    cv = 2 * np.sqrt(np.log10(nobs) / nobs)
    acv = np.zeros(m_max + 1)
    abs_acorr = np.zeros(m_max + 1)
    opt_m: int | None = None
    for i in range(m_max + 1):
        v1 = eps[i + 1 :] @ eps[i + 1 :]
        v2 = eps[: -(i + 1)] @ eps[: -(i + 1)]
        cross_prod = eps[i:] @ eps[: nobs - i]
        acv[i] = cross_prod / nobs
        # A lag as long as a short sample has no pairs left: inf or NaN, never "inside the band".
        with np.errstate(divide="ignore", invalid="ignore"):
            abs_acorr[i] = np.abs(cross_prod) / np.sqrt(v1 * v2)
        if i >= kn and opt_m is None and np.all(abs_acorr[i - kn : i] < cv):
            opt_m = i - kn
    m = min(2 * max(opt_m, 1) if opt_m is not None else m_max, m_max)
    g = 0.0
    lr_acv = acv[0]
    for k in range(1, m + 1):
        lam = 1 if k / m <= 1 / 2 else 2 * (1 - k / m)  # the flat-top lag window
        g += 2 * lam * k * acv[k]
        lr_acv += 2 * lam * acv[k]
    b_sb = ((2 * g**2) / (2 * lr_acv**2)) ** (1 / 3) * nobs ** (1 / 3)
    b_cb = ((2 * g**2) / (4 / 3 * lr_acv**2)) ** (1 / 3) * nobs ** (1 / 3)
    return float(min(b_sb, b_max)), float(min(b_cb, b_max))


# -- stationary bootstrap --------------------------------------------------------------------------


def _stationary_width(n: int, block_length: float) -> int:
    """Blocks drawn per resample at first: the expected count plus four standard deviations.

    A resample of length ``n`` needs ``1 + Binomial(n - 1, p)`` blocks; the few rows that run
    out are extended with further draws (never redrawn, which would bias block lengths).
    """
    mean_blocks = n / block_length
    return min(n, int(math.ceil(mean_blocks + 4.0 * math.sqrt(mean_blocks) + 8)))


@njit(cache=True)
def _block_length(u: float, log_continue: float) -> int:  # pragma: no cover - jitted
    """A geometric length on 1, 2, ... with continuation probability ``exp(log_continue)``, by inversion."""
    if log_continue == -np.inf:  # p = 1: every block has length 1 (the i.i.d. bootstrap)
        return 1
    return 1 + int(math.floor(math.log(1.0 - u) / log_continue))


@njit(cache=True)
def _layout(
    u_length: np.ndarray, u_start: np.ndarray, n: int, log_continue: float, starts: np.ndarray, lengths: np.ndarray
) -> int:  # pragma: no cover - jitted
    """One resample's blocks from its uniforms: fills ``starts``/``lengths``, returns how many.

    Blocks are laid end to end until ``n`` positions are covered (the last one cut to fit);
    ``-1`` when the uniforms ran out first (the caller draws more for that row).
    """
    t = 0
    used = 0
    for b in range(u_length.shape[0]):
        if t >= n:
            break
        starts[b] = int(u_start[b] * n)
        lengths[b] = min(_block_length(u_length[b], log_continue), n - t)
        t += lengths[b]
        used += 1
    return used if t >= n else -1


@njit(cache=True)
def _fill_indices(
    u_length: np.ndarray, u_start: np.ndarray, n: int, log_continue: float
) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover - jitted
    """Resample indices from per-block uniforms; ``short[r]`` when row ``r`` ran out of blocks."""
    reps, width = u_length.shape
    out = np.empty((reps, n), dtype=np.int64)
    short = np.zeros(reps, dtype=np.bool_)
    starts = np.empty(width, dtype=np.int64)
    lengths = np.empty(width, dtype=np.int64)
    for r in range(reps):
        used = _layout(u_length[r], u_start[r], n, log_continue, starts, lengths)
        short[r] = used < 0
        t = 0
        for b in range(used):
            for j in range(lengths[b]):
                out[r, t + j] = (starts[b] + j) % n
            t += lengths[b]
    return out, short


@njit(cache=True)
def _block_means(
    x: np.ndarray,
    prefix: np.ndarray,
    positions: np.ndarray,
    u_length: np.ndarray,
    u_start: np.ndarray,
    log_continue: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # pragma: no cover - jitted
    """Mean of each resampled series, and mean of its values at ``positions``, without building it.

    ``prefix`` holds the cumulative sums of ``x`` laid twice end to end, so a block that wraps
    around the end is still one subtraction: O(blocks + events) per resample instead of O(n).
    """
    n = x.shape[0]
    k = positions.shape[0]
    reps, width = u_length.shape
    series_means = np.empty(reps)
    event_means = np.empty(reps)
    short = np.zeros(reps, dtype=np.bool_)
    starts = np.empty(width, dtype=np.int64)
    lengths = np.empty(width, dtype=np.int64)
    for r in range(reps):
        used = _layout(u_length[r], u_start[r], n, log_continue, starts, lengths)
        short[r] = used < 0
        t = 0
        j = 0
        total = 0.0
        at_events = 0.0
        for b in range(used):
            start = starts[b]
            total += prefix[start + lengths[b]] - prefix[start]
            end = t + lengths[b]
            while j < k and positions[j] < end:
                at_events += x[(start + positions[j] - t) % n]
                j += 1
            t = end
        series_means[r] = total / n
        event_means[r] = at_events / k if k > 0 else np.nan
    return event_means, series_means, short


@njit(cache=True)
def _block_sums(
    prefix: np.ndarray, u_length: np.ndarray, u_start: np.ndarray, log_continue: float
) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover - jitted
    """Sum of each column over each resample, one subtraction of prefix sums per block.

    ``prefix[c]`` holds the cumulative sums of column ``c`` laid twice end to end (length
    ``2n + 1``), so a block that wraps around the end is still one subtraction.
    """
    columns = prefix.shape[0]
    n = (prefix.shape[1] - 1) // 2
    reps, width = u_length.shape
    sums = np.zeros((reps, columns))
    short = np.zeros(reps, dtype=np.bool_)
    starts = np.empty(width, dtype=np.int64)
    lengths = np.empty(width, dtype=np.int64)
    for r in range(reps):
        used = _layout(u_length[r], u_start[r], n, log_continue, starts, lengths)
        short[r] = used < 0
        for b in range(used):
            for c in range(columns):
                sums[r, c] += prefix[c, starts[b] + lengths[b]] - prefix[c, starts[b]]
    return sums, short


def _stationary_draws(
    n: int,
    reps: int,
    block_length: float,
    rng: np.random.Generator,
    kernel: Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, ...]],
) -> list[np.ndarray]:
    """Run ``kernel(u_length, u_start)`` on fresh uniforms, extending rows that ran out of blocks.

    Two uniforms per block (its length by inversion of the geometric law, its start) are all the
    randomness: far fewer numbers than one coin per position, drawn in bulk from ``rng``.
    """
    width = _stationary_width(n, block_length)
    u_length = rng.random((reps, width))
    u_start = rng.random((reps, width))
    results = list(kernel(u_length, u_start))
    rows = np.arange(reps)
    short = results[-1]
    while short.any():
        # Keep each short row's draws and append more: its blocks so far stay as drawn.
        pick = np.flatnonzero(short)
        extra = max(8, width // 4)
        u_length = np.hstack([u_length[pick], rng.random((len(pick), extra))])
        u_start = np.hstack([u_start[pick], rng.random((len(pick), extra))])
        rows = rows[pick]
        width += extra
        again = kernel(u_length, u_start)
        for whole, part in zip(results[:-1], again[:-1], strict=True):
            whole[rows] = part
        short = again[-1]
    return results[:-1]


def _chunks(reps: int, per_rep: int) -> list[int]:
    size = max(1, _CHUNK_ELEMENTS // max(per_rep, 1))
    return [min(size, reps - done) for done in range(0, reps, size)]


def _stationary_chunks(
    n: int,
    reps: int,
    block_length: float,
    seed: SeedLike,
    kernel: Callable[[np.ndarray, np.ndarray, float], tuple[np.ndarray, ...]],
) -> list[np.ndarray]:
    """Run ``kernel(u_length, u_start, log_continue)`` over ``reps`` resamples, chunk by chunk.

    Every engine chunks alike, so for one seed they all see the same draws; each output (the
    kernel's last, the short-row flags, excepted) is joined across chunks.
    """
    rng = as_generator(seed)
    log_continue = math.log1p(-1.0 / block_length) if block_length > 1 else -math.inf
    parts = [
        _stationary_draws(n, size, block_length, rng, lambda u, v: kernel(u, v, log_continue))
        for size in _chunks(reps, max(n, 2 * _stationary_width(n, block_length)))
    ]
    # One chunk (the usual case) is already the answer: joining it would only copy it.
    return parts[0] if len(parts) == 1 else [np.concatenate(outputs) for outputs in zip(*parts, strict=True)]


def stationary_bootstrap_indices(n: int, reps: int, block_length: float, *, seed: SeedLike = None) -> np.ndarray:
    """Indices of ``reps`` stationary-bootstrap resamples of a series of length ``n``.

    Parameters
    ----------
    n
        Length of the series.
    reps
        Number of resamples.
    block_length
        Mean block length (``>= 1``; 1 is the i.i.d. bootstrap).
    seed
        Randomness (int, Generator or None).

    Returns
    -------
    numpy.ndarray
        ``int64`` array of shape ``(reps, n)``; row ``r`` indexes the ``r``-th resample.

    Examples
    --------
    >>> idx = stationary_bootstrap_indices(5, 2, 2.0, seed=1)
    >>> idx.shape
    (2, 5)
    """
    n = check_int("n", n, 1)
    reps = check_int("reps", reps, 1)
    block_length = check_block_length(block_length)
    (indices,) = _stationary_chunks(n, reps, block_length, seed, lambda u, v, c: _fill_indices(u, v, n, c))
    return indices


def circular_block_bootstrap_indices(n: int, reps: int, block_length: int, *, seed: SeedLike = None) -> np.ndarray:
    """Indices of ``reps`` circular-block-bootstrap resamples of a series of length ``n``.

    Parameters
    ----------
    n
        Length of the series.
    reps
        Number of resamples.
    block_length
        Fixed block length (rounded to an integer, at least 1).
    seed
        Randomness (int, Generator or None).

    Returns
    -------
    numpy.ndarray
        ``int64`` array of shape ``(reps, n)``.
    """
    n = check_int("n", n, 1)
    reps = check_int("reps", reps, 1)
    size = max(1, int(round(check_block_length(block_length))))
    rng = as_generator(seed)
    blocks = -(-n // size)
    parts = []
    for chunk in _chunks(reps, blocks * size):
        starts = rng.integers(0, n, size=(chunk, blocks), dtype=np.int64)
        indices = (starts[:, :, None] + np.arange(size, dtype=np.int64)) % n
        parts.append(indices.reshape(chunk, blocks * size)[:, :n])
    return np.vstack(parts)


def stationary_bootstrap_event_means(
    x: np.ndarray, positions: np.ndarray, reps: int, block_length: float, *, seed: SeedLike = None
) -> tuple[np.ndarray, np.ndarray]:
    """For each stationary-bootstrap resample of ``x``: its values' mean at ``positions``, and its mean.

    The same numbers as ``x[idx][:, positions].mean(axis=1)`` and ``x[idx].mean(axis=1)`` with
    ``idx = stationary_bootstrap_indices(len(x), reps, block_length, seed=seed)`` — the same
    draws, too — computed block by block in O(blocks + events) per resample instead of O(n).

    Parameters
    ----------
    x
        The series (finite values).
    positions
        Positions in the resampled series (``0 <= p < len(x)``), e.g. where events sit.
    reps, block_length, seed
        As :func:`stationary_bootstrap_indices`.

    Returns
    -------
    tuple of numpy.ndarray
        ``(event_means, series_means)``, each of length ``reps`` (``event_means`` is NaN
        when ``positions`` is empty).
    """
    values = np.ascontiguousarray(np.asarray(x, dtype=float).ravel())
    n = len(values)
    if n == 0 or not np.isfinite(values).all():
        raise ValueError("x must be a non-empty series of finite values")
    reps = check_int("reps", reps, 1)
    block_length = check_block_length(block_length)
    where = np.asarray(positions, dtype=np.int64).ravel()
    if len(where) and (where.min() < 0 or where.max() >= n):
        raise ValueError(f"positions must lie in [0, {n}), got {where.min()}..{where.max()}")
    order = np.argsort(where, kind="stable")
    where = np.ascontiguousarray(where[order])
    prefix = np.concatenate([[0.0], np.cumsum(np.concatenate([values, values]))])
    at_events, means = _stationary_chunks(
        n, reps, block_length, seed, lambda u, v, c: _block_means(values, prefix, where, u, v, c)
    )
    return at_events, means


def stationary_bootstrap_sums(
    columns: np.ndarray, reps: int, block_length: float, *, seed: SeedLike = None
) -> np.ndarray:
    """Column sums of every stationary-bootstrap resample of the rows of ``columns``.

    The same numbers, up to rounding, as ``columns[:, idx].sum(axis=2).T`` with ``idx =
    stationary_bootstrap_indices(n, reps, block_length, seed=seed)`` — the same draws, too —
    computed from prefix sums in O(blocks) per resample instead of gathering ``reps * n`` values
    per column: a statistic that is a function of resampled sums (a difference of conditional
    means, say) needs nothing else.

    Parameters
    ----------
    columns
        Shape ``(k, n)`` (or ``(n,)`` for one column): ``k`` series resampled together, finite.
    reps, block_length, seed
        As :func:`stationary_bootstrap_indices`.

    Returns
    -------
    numpy.ndarray
        Shape ``(reps, k)``: row ``r`` holds the sums of the ``r``-th resample.

    Examples
    --------
    >>> sums = stationary_bootstrap_sums(np.ones((2, 50)), 3, 5.0, seed=1)
    >>> sums.tolist()
    [[50.0, 50.0], [50.0, 50.0], [50.0, 50.0]]
    """
    values = np.asarray(columns, dtype=float)
    values = values.reshape(1, -1) if values.ndim == 1 else values
    if values.ndim != 2 or values.shape[1] == 0 or not np.isfinite(values).all():
        raise ValueError("columns must be a non-empty (k, n) array of finite values")
    n = values.shape[1]
    reps = check_int("reps", reps, 1)
    block_length = check_block_length(block_length)
    doubled = np.concatenate([values, values], axis=1)
    prefix = np.ascontiguousarray(np.concatenate([np.zeros((len(values), 1)), np.cumsum(doubled, axis=1)], axis=1))
    (sums,) = _stationary_chunks(n, reps, block_length, seed, lambda u, v, c: _block_sums(prefix, u, v, c))
    return sums


# -- spaced random placements (the permutation null) -------------------------------------------------


@njit(cache=True)
def _floyd_subsets(uniforms: np.ndarray, m: int) -> np.ndarray:  # pragma: no cover - jitted
    """Row ``r``: a uniform random ``k``-subset of ``0..m-1`` (Floyd's algorithm), sorted.

    Floyd's algorithm needs exactly ``k`` uniform numbers per subset and no rejection, so the
    draws come from the caller's generator and the result is reproducible.
    """
    reps, k = uniforms.shape
    out = np.empty((reps, k), dtype=np.int64)
    use_mask = k > 48
    taken = np.zeros(m if use_mask else 1, dtype=np.bool_)
    for r in range(reps):
        for i in range(k):
            j = m - k + i
            t = int(uniforms[r, i] * (j + 1))
            if t > j:  # guards the (measure-zero) rounding of u * (j + 1) up to j + 1
                t = j
            seen = False
            if use_mask:
                seen = taken[t]
            else:
                for q in range(i):
                    if out[r, q] == t:
                        seen = True
                        break
            pick = j if seen else t
            out[r, i] = pick
            if use_mask:
                taken[pick] = True
        if use_mask:
            for i in range(k):
                taken[out[r, i]] = False
        out[r].sort()
    return out


def max_placeable(n: int, min_spacing: int) -> int:
    """Most positions out of ``n`` that fit with every two at least ``min_spacing`` apart."""
    return 0 if n <= 0 else 1 + (n - 1) // max(min_spacing, 1)


def spaced_placements(n: int, k: int, min_spacing: int, reps: int, *, seed: SeedLike = None) -> np.ndarray:
    """``reps`` random placements of ``k`` events among positions ``0..n-1``, at least ``min_spacing`` apart.

    Each placement is drawn uniformly among all sets of ``k`` positions whose consecutive
    members are ``>= min_spacing`` apart: the classic bijection ``q_j = p_j - j (s - 1)`` turns
    such a set into an unconstrained ``k``-subset of ``0..n - (k - 1)(s - 1) - 1``, which is
    drawn with Floyd's algorithm and mapped back.

    Parameters
    ----------
    n
        Number of admissible positions (a contiguous range ``0..n-1``).
    k
        Events per placement (the real event count).
    min_spacing
        Smallest allowed distance between two events, in positions (``>= 1``; 1 only asks
        for distinct positions).
    reps
        Number of placements.
    seed
        Randomness (int, Generator or None).

    Returns
    -------
    numpy.ndarray
        ``int64`` array of shape ``(reps, k)``, each row ascending.

    Raises
    ------
    ValueError
        If ``k`` events cannot fit (``(k - 1) * min_spacing + 1 > n``).
    """
    n = check_int("n", n, 1)
    k = check_int("k", k, 0)
    spacing = check_int("min_spacing", min_spacing, 1)
    reps = check_int("reps", reps, 1)
    if k > max_placeable(n, spacing):
        raise ValueError(
            f"{k} events cannot be placed {spacing} positions apart among {n} positions "
            f"(at most {max_placeable(n, spacing)} fit)"
        )
    rng = as_generator(seed)
    if k == 0:
        return np.empty((reps, 0), dtype=np.int64)
    m = n - (k - 1) * (spacing - 1)
    shift = np.arange(k, dtype=np.int64) * (spacing - 1)
    parts = []
    for size in _chunks(reps, k):
        subsets = _floyd_subsets(rng.random((size, k)), m)
        parts.append(subsets + shift)
    return np.vstack(parts)
