"""The backtest engine: a long/flat position in one instrument driven by a signal, with costs.

Timing, the part that decides whether a backtest is honest:

* A signal value dated ``d`` is what was known at the **end** of day ``d``. A signal on
  another calendar (an exchange-day signal traded in crypto, which trades every day, or the
  reverse) is aligned explicitly with :func:`align_to_bars`: on each bar of the traded
  instrument it takes the value of the latest signal date on or before that bar.
* Orders execute at the close of the bar ``lag`` bars after the bar the signal was read on;
  ``lag=1`` (the default) trades on the **first bar after** the signal, so an exchange-day
  signal known at the end of Friday is traded at Saturday's crypto close, and a position taken
  at a close earns the returns from the next bar on. ``lag=0`` trades at the close the signal
  was computed from: possible only in a closing auction, look-ahead otherwise, so it raises a
  :class:`SameBarExecutionWarning`.

Costs are those of a cash account: a buy executes at ``close * (1 + slippage)`` and pays a fee
of ``cost`` times its value; a sell executes at ``close * (1 - slippage)`` and pays the same
fee rate. The account trades only when the target weight changes (a position is not
re-balanced as the price drifts). Going from flat to fully invested turns equity ``E`` into
``E / ((1 + slippage) * (1 + cost))`` of the instrument, and going back to flat turns a
position worth ``H`` into ``H * (1 - slippage) * (1 - cost)`` of cash, exactly vectorbt's
``Portfolio.from_signals`` with ``size=inf``.

A basket (an altcoin basket, or any weighted set) is traded as one instrument: the
constant-weight index of :func:`basket_prices`, re-balanced to its weights every bar. Its own
daily re-balancing is not charged (like holding an index tracker); costs are charged when the
strategy moves in or out of it.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from riskcurve import numbers as nf
from riskcurve._typing import DateLike
from riskcurve.backtest.baselines import halving_cycle
from riskcurve.backtest.metrics import METRIC_COLUMNS, metrics_table, moments, performance, periods_per_year
from riskcurve.errors import SameBarExecutionWarning

__all__ = [
    "Backtest",
    "BacktestResult",
    "SameBarExecutionWarning",
    "align_to_bars",
    "basket_prices",
    "simulate",
]

#: Name of the buy-and-hold baseline in every result.
BUY_AND_HOLD = "buy_and_hold"


def _check_prices(name: str, prices: object) -> pd.Series:
    if not isinstance(prices, pd.Series):
        raise TypeError(f"{name} must be a pandas Series of closes, got {type(prices).__name__}")
    if not isinstance(prices.index, pd.DatetimeIndex):
        raise TypeError(f"{name} must be indexed by dates (a DatetimeIndex)")
    clean = prices.astype(float).dropna()
    if clean.index.has_duplicates or not clean.index.is_monotonic_increasing:
        raise ValueError(f"{name} must have ascending, unique dates")
    if len(clean) < 2:
        raise ValueError(f"{name} must have at least 2 closes, got {len(clean)}")
    bad = ~np.isfinite(clean.to_numpy()) | (clean.to_numpy() <= 0)
    if bad.any():
        raise ValueError(f"{name} must have positive finite closes; first bad date {clean.index[bad][0].date()}")
    return clean


def _check_signal(name: str, signal: object) -> pd.Series:
    if not isinstance(signal, pd.Series):
        raise TypeError(f"{name} must be a pandas Series (bool, or a weight in [0, 1]), got {type(signal).__name__}")
    if not isinstance(signal.index, pd.DatetimeIndex):
        raise TypeError(f"{name} must be indexed by dates (a DatetimeIndex)")
    if signal.index.has_duplicates:
        raise ValueError(f"{name} has duplicate dates")
    try:
        values = signal.astype(float)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must hold booleans or numbers, got dtype {signal.dtype}") from None
    outside = values[(values < 0) | (values > 1)]
    if len(outside):
        raise ValueError(
            f"{name} must be a long/flat weight in [0, 1]; {outside.iloc[0]!r} on {outside.index[0].date()}"
        )
    return values.sort_index()


def align_to_bars(signal: pd.Series, bars: pd.DatetimeIndex) -> pd.Series:
    """A signal read on the traded instrument's bars: the latest value dated on or before each bar.

    A signal dated ``d`` is known at the end of ``d``; the value on bar ``t`` is therefore the
    one of the latest signal date ``<= t``. A bar before the signal's first date gets NaN.
    This is the only place where two calendars meet: an exchange-day signal on a crypto
    instrument carries Friday's value over Saturday and Sunday, and a crypto-day signal on
    an exchange instrument takes the value of the day itself (known at midnight UTC, after
    the US close). Execution then waits ``lag`` further bars (see :class:`Backtest`).

    Parameters
    ----------
    signal
        Date-indexed values.
    bars
        The instrument's bar dates.

    Returns
    -------
    pandas.Series
        Indexed by ``bars``.
    """
    bars = pd.DatetimeIndex(bars)
    clean = signal.dropna().sort_index()
    position = clean.index.searchsorted(bars, side="right") - 1
    values = np.full(len(bars), np.nan)
    known = position >= 0
    values[known] = clean.to_numpy(dtype=float)[position[known]]
    return pd.Series(values, index=bars, name=signal.name)


def basket_prices(
    closes: pd.DataFrame,
    weights: Mapping[str, float] | pd.Series | None = None,
    *,
    min_members: int = 1,
    base: float = 100.0,
) -> pd.Series:
    """A constant-weight basket as one price series, re-balanced to its weights every bar.

    The basket's return from one date to the next is the weighted mean of the returns of the
    members that have a close on both dates, the weights renormalised over those members. A
    member joins the basket on its second close and leaves after its last one.

    Parameters
    ----------
    closes
        One column of closes per member, date-indexed (NaN where a member has no close).
    weights
        Weight of each member (any positive numbers; normalised); equal weights when ``None``.
    min_members
        Fewest members with a return for the basket to have one; dates with fewer end the
        basket's history there (before: it has not started; after: it has ended).
    base
        The basket's level on its first date.

    Returns
    -------
    pandas.Series
        Levels on the dates where at least ``min_members`` members have a return (and the date
        before the first of them), named ``"basket"``.
    """
    if not isinstance(closes, pd.DataFrame) or not isinstance(closes.index, pd.DatetimeIndex):
        raise TypeError("closes must be a pandas DataFrame with a DatetimeIndex, one column per member")
    if closes.shape[1] == 0:
        raise ValueError("closes has no members")
    if weights is None:
        w = pd.Series(1.0, index=closes.columns)
    else:
        w = pd.Series(weights, dtype=float)
        unknown = sorted(set(w.index) - set(closes.columns))
        if unknown:
            raise ValueError(f"weights name members without closes: {', '.join(map(str, unknown))}")
        if (w <= 0).any() or not np.isfinite(w.to_numpy()).all():
            raise ValueError("weights must be positive finite numbers")
        w = w.reindex(closes.columns).fillna(0.0)
    if isinstance(min_members, bool) or not isinstance(min_members, int) or min_members < 1:
        raise ValueError(f"min_members must be an integer >= 1, got {min_members!r}")
    frame = closes.sort_index().astype(float)
    returns = frame / frame.shift(1) - 1.0
    weight_matrix = returns.notna().astype(float) * w.to_numpy()
    total = weight_matrix.sum(axis=1)
    members = (weight_matrix > 0).sum(axis=1)
    basket_return = (returns.fillna(0.0) * weight_matrix).sum(axis=1) / total.where(total > 0)
    valid = (members >= min_members).to_numpy()
    if not valid.any():
        raise ValueError(f"no date has at least {min_members} basket members with a return")
    first, last = int(np.argmax(valid)), len(valid) - 1 - int(np.argmax(valid[::-1]))
    inside = basket_return.iloc[first : last + 1]
    if not valid[first : last + 1].all():
        gap = inside.index[~valid[first : last + 1]][0]
        raise ValueError(f"the basket has fewer than {min_members} members with a return on {gap.date()}")
    levels = base * np.cumprod(1.0 + inside.to_numpy())
    index = frame.index[first - 1 : last + 1] if first > 0 else frame.index[: last + 1]
    values = np.concatenate([[base], levels]) if first > 0 else np.concatenate([[base], levels[1:]])
    return pd.Series(values, index=index, name="basket")


@dataclass(frozen=True)
class Simulation:
    """Bar-by-bar state of one simulated account (arrays aligned with the bars)."""

    equity: np.ndarray  # value after the close's trades
    weight: np.ndarray  # weight held after the close's trades
    held: np.ndarray  # weight held over the bar (after the previous close's trades)
    traded: np.ndarray  # |weight after - weight before| of the close's trade
    costs: np.ndarray  # fees plus slippage paid at the close, in currency
    exec_price: np.ndarray  # execution price of the close's trade (NaN when none)


def simulate(prices: np.ndarray, targets: np.ndarray, *, cost: float, slippage: float, capital: float) -> Simulation:
    """Run a cash account that trades ``prices`` at each close to the target weight when it changes.

    Parameters
    ----------
    prices
        Closes, one per bar.
    targets
        Target weight in [0, 1] decided at each bar's close.
    cost, slippage
        Fee rate on traded value and price slippage, as fractions (10 bp = 0.001).
    capital
        Cash before the first bar.

    Returns
    -------
    Simulation
        See the module docstring for the cost model; ``equity[t]`` is cash plus holdings at
        ``prices[t]`` after the trade at that close.
    """
    n = len(prices)
    buy_factor = (1.0 + slippage) * (1.0 + cost)
    sell_factor = (1.0 - slippage) * (1.0 - cost)
    equity = np.empty(n)
    weight = np.empty(n)
    held = np.empty(n)
    traded = np.zeros(n)
    costs = np.zeros(n)
    exec_price = np.full(n, np.nan)
    cash, units, previous_target = float(capital), 0.0, 0.0
    for t in range(n):
        price = float(prices[t])
        holding = units * price
        value = cash + holding
        held[t] = holding / value if value > 0 else 0.0
        target = float(targets[t])
        if target != previous_target and value > 0:
            before = holding / value
            if target > before:
                # Spend X of cash: holdings grow by X / buy_factor at the close; solve
                # (H + X/b) / (V - X + X/b) = target for X.
                spend = cash if target >= 1.0 else (target * value - holding) / ((1.0 - target) / buy_factor + target)
                units += spend / buy_factor / price
                cash -= spend
                costs[t] = spend - spend / buy_factor
                exec_price[t] = price * (1.0 + slippage)
            elif target < before:
                # Sell M of holdings (at the close's value): cash grows by M * sell_factor.
                sold = holding if target <= 0.0 else (holding - target * value) / (1.0 - target + target * sell_factor)
                units = 0.0 if target <= 0.0 else units - sold / price
                cash += sold * sell_factor
                costs[t] = sold - sold * sell_factor
                exec_price[t] = price * (1.0 - slippage)
            after_value = cash + units * price
            weight_after = units * price / after_value if after_value > 0 else 0.0
            traded[t] = abs(weight_after - before)
            previous_target = target
        equity[t] = cash + units * price
        weight[t] = units * price / equity[t] if equity[t] > 0 else 0.0
    return Simulation(equity, weight, held, traded, costs, exec_price)


def _round_trips(name: str, dates: pd.DatetimeIndex, sim: Simulation, capital: float) -> pd.DataFrame:
    rows: list[dict[str, Any]] = []
    open_trade: dict[str, Any] | None = None
    for position in np.flatnonzero(sim.traded > 0):
        t = int(position)
        before = sim.weight[t - 1] if t > 0 else 0.0
        start_value = sim.equity[t - 1] if t > 0 else capital
        if open_trade is None and before <= 0.0 < sim.weight[t]:
            open_trade = {
                "strategy": name,
                "entry_date": dates[t],
                "entry_price": sim.exec_price[t],
                "entry_equity": start_value,
                "entry_bar": t,
            }
        elif open_trade is not None and sim.weight[t] <= 0.0:
            rows.append(
                {
                    **open_trade,
                    "exit_date": dates[t],
                    "exit_price": sim.exec_price[t],
                    "bars": t - open_trade["entry_bar"],
                    "return": sim.equity[t] / open_trade["entry_equity"] - 1.0,
                    "open": False,
                }
            )
            open_trade = None
    if open_trade is not None:
        last = len(dates) - 1
        rows.append(
            {
                **open_trade,
                "exit_date": pd.NaT,
                "exit_price": np.nan,
                "bars": last - open_trade["entry_bar"],
                "return": sim.equity[last] / open_trade["entry_equity"] - 1.0,
                "open": True,
            }
        )
    columns = ["strategy", "entry_date", "exit_date", "entry_price", "exit_price", "bars", "return", "open"]
    frame = pd.DataFrame(rows, columns=[*columns, "entry_equity", "entry_bar"])[columns]
    return frame.astype({"entry_date": "datetime64[ns]", "exit_date": "datetime64[ns]"})


def check_basis_points(name: str, value: object) -> float:
    """``value`` as a number of basis points in [0, 10000), or a ValueError/TypeError naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise TypeError(f"{name} must be a number of basis points, got {type(value).__name__}")
    if not math.isfinite(float(value)) or not 0.0 <= float(value) < 10_000.0:
        raise ValueError(f"{name} must be in [0, 10000) basis points, got {value!r}")
    return float(value)


@dataclass(frozen=True)
class Backtest:
    """A long/flat backtest of one instrument against buy-and-hold and other baselines.

    Parameters
    ----------
    prices
        Closes of the traded instrument on its own calendar (for a basket, the output of
        :func:`basket_prices`). Missing closes are dropped.
    signal
        Target weight (``True``/1.0 fully invested, ``False``/0.0 flat, or a weight in
        between), dated when known, on any calendar; aligned with :func:`align_to_bars`. A
        missing value (unknown) counts as flat.
    name
        The strategy's name in the result.
    asset
        The instrument's name, for the result.
    definition
        The rule in words, shown with the result.
    cost_bp, slippage_bp
        Fee on traded value and price slippage, basis points per side.
    lag
        Bars between the bar a signal is read on and the close it trades at: 1 (default)
        trades at the close of the next bar. 0 trades at the same close and warns
        (:class:`SameBarExecutionWarning`).
    capital
        Starting cash.
    baselines
        Other signals run through the same account, costs and lag, by name; ``None`` gives
        the halving-cycle rule (:func:`riskcurve.backtest.baselines.halving_cycle` with its
        defaults). Buy-and-hold is always included: the signal "always long" from the strategy's
        first known value on, executed through the same ``lag`` (it enters on the bar an
        always-long strategy would), paying the same costs.
    start, end
        Bars of the backtest (inclusive); default: from the first bar on which the signal is
        known to the last close. Signal values from before ``start`` still decide the first
        trades.
    periods_per_year
        Bars per year for annualising; default 365 for an instrument that trades at
        weekends, else 252.
    n_trials, var_trials_sharpe
        For the deflated Sharpe ratio: how many configurations were tried to arrive at this
        one and the variance of their per-period Sharpe ratios. ``None``: the strategies of
        this run (strategy and baselines) and the variance of their Sharpe ratios, a lower
        bound on the search behind any rule worth backtesting; pass the real numbers when known.
    """

    prices: pd.Series
    signal: pd.Series
    name: str = "strategy"
    asset: str = ""
    definition: str = ""
    cost_bp: float = 10.0
    slippage_bp: float = 0.0
    lag: int = 1
    capital: float = 10_000.0
    baselines: Mapping[str, pd.Series] | None = None
    start: DateLike | None = None
    end: DateLike | None = None
    periods_per_year: float | None = None
    n_trials: int | None = None
    var_trials_sharpe: float | None = None
    _checked: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        prices = _check_prices("prices", self.prices)
        signals = {self.name: _check_signal("signal", self.signal)}
        if not isinstance(self.name, str) or not self.name or self.name == BUY_AND_HOLD:
            raise ValueError(f"name must be a non-empty string other than {BUY_AND_HOLD!r}, got {self.name!r}")
        check_basis_points("cost_bp", self.cost_bp)
        check_basis_points("slippage_bp", self.slippage_bp)
        if isinstance(self.lag, bool) or not isinstance(self.lag, int | np.integer) or self.lag < 0:
            raise ValueError(f"lag must be an integer >= 0 (bars between signal and execution), got {self.lag!r}")
        if isinstance(self.capital, bool) or not isinstance(self.capital, int | float) or not self.capital > 0:
            raise ValueError(f"capital must be a positive number, got {self.capital!r}")
        baselines = self.baselines
        if baselines is None:
            baselines = {"halving_cycle": halving_cycle(pd.DatetimeIndex(prices.index))}
        if not isinstance(baselines, Mapping):
            raise TypeError(f"baselines must be a mapping of name -> signal, got {type(baselines).__name__}")
        for key, value in baselines.items():
            if key in signals or key == BUY_AND_HOLD:
                raise ValueError(f"baseline name {key!r} is taken (by the strategy or buy-and-hold)")
            signals[str(key)] = _check_signal(f"baselines[{key!r}]", value)
        if self.n_trials is not None and (isinstance(self.n_trials, bool) or not isinstance(self.n_trials, int)):
            raise TypeError(f"n_trials must be an integer or None, got {type(self.n_trials).__name__}")
        if self.n_trials is not None and self.n_trials < 1:
            raise ValueError(f"n_trials must be >= 1, got {self.n_trials}")
        if (self.n_trials is None) != (self.var_trials_sharpe is None):
            raise ValueError("give n_trials and var_trials_sharpe together, or neither")
        self._checked.update(prices=prices, signals=signals)
        if self.lag == 0:
            warnings.warn(
                "lag=0: orders execute at the close of the bar the signal was computed on; that is only "
                "possible in a closing auction and is look-ahead otherwise (use lag=1, the default)",
                SameBarExecutionWarning,
                stacklevel=3,
            )

    def _window(self, prices: pd.Series, strategy: pd.Series) -> tuple[int, int]:
        dates = pd.DatetimeIndex(prices.index)
        if self.start is not None:
            first = int(dates.searchsorted(pd.Timestamp(self.start), side="left"))
        else:
            known = strategy.notna().to_numpy()
            if not known.any():
                raise ValueError("the signal is never known on the instrument's bars (it ends before they start)")
            first = int(np.argmax(known))
        last = len(dates) - 1 if self.end is None else int(dates.searchsorted(pd.Timestamp(self.end), "right")) - 1
        if last - first < 1:
            raise ValueError(f"the backtest window {self.start}..{self.end} holds fewer than 2 bars of prices")
        return first, last

    def run(self) -> BacktestResult:
        """Simulate the strategy and its baselines; compute every metric."""
        prices: pd.Series = self._checked["prices"]
        signals: dict[str, pd.Series] = self._checked["signals"]
        dates = pd.DatetimeIndex(prices.index)
        aligned = {name: align_to_bars(values, dates) for name, values in signals.items()}
        first, last = self._window(prices, aligned[self.name])
        window = dates[first : last + 1]
        price_values = prices.to_numpy(dtype=float)[first : last + 1]
        cost, slippage = self.cost_bp / 1e4, self.slippage_bp / 1e4
        per_year = float(self.periods_per_year) if self.periods_per_year is not None else periods_per_year(window)

        def targets_of(values: np.ndarray) -> np.ndarray:
            # The target at bar t is the signal read `lag` bars earlier; unknown (NaN) is flat.
            read = np.full(len(dates), np.nan)
            if self.lag < len(dates):
                read[self.lag :] = values[: len(dates) - self.lag]
            return np.nan_to_num(read[first : last + 1], nan=0.0)

        sims: dict[str, Simulation] = {}
        for name, values in aligned.items():
            targets = targets_of(values.to_numpy())
            sims[name] = simulate(price_values, targets, cost=cost, slippage=slippage, capital=self.capital)
        # Buy-and-hold is the signal "always long" from the strategy's first known value on, read
        # through the same lag: it enters on the bar an always-long strategy would, not `lag`
        # bars earlier, so the comparison does not credit it with returns no strategy could earn.
        always = np.where(np.maximum.accumulate(aligned[self.name].notna().to_numpy()), 1.0, np.nan)
        sims[BUY_AND_HOLD] = simulate(
            price_values, targets_of(always), cost=cost, slippage=slippage, capital=self.capital
        )
        order = [self.name, BUY_AND_HOLD, *[n for n in sims if n not in (self.name, BUY_AND_HOLD)]]

        equity = pd.DataFrame({n: sims[n].equity for n in order}, index=window)
        previous = equity.shift(1)
        previous.iloc[0] = self.capital
        returns = equity / previous - 1.0
        if self.n_trials is None:
            sharpes = [moments(returns[n].to_numpy())[0] for n in order]
            finite = [s for s in sharpes if math.isfinite(s)]
            n_trials = len(order)
            var_trials = float(np.var(finite, ddof=1)) if len(finite) > 1 else 0.0
        else:
            n_trials, var_trials = int(self.n_trials), float(self.var_trials_sharpe or 0.0)
        trips = {n: _round_trips(n, window, sims[n], self.capital) for n in order}
        rows = {
            n: performance(
                returns[n],
                held=pd.Series(sims[n].held, index=window),
                trades=len(trips[n]),
                turnover=float(sims[n].traded.sum()),
                periods=per_year,
                n_trials=n_trials,
                var_trials_sharpe=var_trials,
            )
            for n in order
        }
        # Strategies without a trade add nothing: leaving their empty frames out keeps the columns'
        # dtypes and avoids pandas 2.2's FutureWarning about concatenating empty frames.
        frames = [trips[n] for n in order]
        filled = [frame for frame in frames if not frame.empty]
        trades = pd.concat(filled, ignore_index=True) if filled else frames[0].reset_index(drop=True)
        return BacktestResult(
            name=self.name,
            asset=self.asset,
            definition=self.definition,
            equity=equity,
            returns=returns,
            positions=pd.DataFrame({n: sims[n].weight for n in order}, index=window),
            trades=trades,
            metrics=metrics_table(rows),
            settings={
                "cost_bp": float(self.cost_bp),
                "slippage_bp": float(self.slippage_bp),
                "lag": int(self.lag),
                "capital": float(self.capital),
                "periods_per_year": per_year,
                "n_trials": n_trials,
                "var_trials_sharpe": var_trials,
                "start": window[0],
                "end": window[-1],
                "execution": (
                    f"at the close of the bar {self.lag} bar(s) after the signal's date"
                    if self.lag
                    else "at the close of the signal's own bar (same-bar execution)"
                ),
            },
        )


def _json(value: Any) -> Any:
    if isinstance(value, pd.Timestamp):
        return None if pd.isna(value) else value.date().isoformat()
    if value is pd.NaT or value is None:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


@dataclass(frozen=True)
class BacktestResult:
    """What a :class:`Backtest` produced.

    Attributes
    ----------
    name, asset, definition
        The strategy, the instrument and the rule in words.
    equity
        Account value after each close's trades, one column per strategy (the strategy,
        ``buy_and_hold``, then the baselines): the equity curves.
    returns
        Per-bar returns of each equity curve (the first bar's against the starting capital).
    positions
        Weight held after each close's trades.
    trades
        Round trips of every strategy: ``strategy``, ``entry_date``, ``exit_date`` (NaT while
        open), ``entry_price`` and ``exit_price`` (execution prices, slippage included),
        ``bars``, ``return`` (equity change over the trade, costs included), ``open``.
    metrics
        One row per strategy, the columns of :data:`~riskcurve.backtest.metrics.METRIC_COLUMNS`.
    settings
        Costs, lag, capital, annualisation, trials behind the deflated Sharpe ratio, window.
    """

    name: str
    asset: str
    definition: str
    equity: pd.DataFrame
    returns: pd.DataFrame
    positions: pd.DataFrame
    trades: pd.DataFrame
    metrics: pd.DataFrame
    settings: Mapping[str, Any]

    def to_frame(self) -> pd.DataFrame:
        """The metrics table (one row per strategy)."""
        return self.metrics.copy()

    def summary(self) -> str:
        """A few lines in words: the strategy against its baselines."""
        s = self.settings
        lines = [
            f"{self.name} on {self.asset or 'the instrument'}, {s['start'].date()}..{s['end'].date()}: "
            f"{self.definition}".rstrip(": "),
            f"costs {nf.significant(s['cost_bp'], 6)} bp + slippage {nf.significant(s['slippage_bp'], 6)} bp per side; "
            f"executed {s['execution']}; "
            f"deflated Sharpe over {s['n_trials']} trials.",
        ]
        for name, row in self.metrics.iterrows():
            lines.append(
                f"  {name:<16} CAGR {nf.percent(row['cagr'], 1, signed=True)}  Sharpe {nf.decimal(row['sharpe'], 2)}  "
                f"max DD {nf.percent(row['max_drawdown'], 1)}  exposure {nf.percent(row['exposure'], 0)}  "
                f"trades {int(row['trades'])}  DSR {nf.decimal(row['dsr'], 2)}"
            )
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        from riskcurve._display import columns, result_html

        wanted = ("total_return", "cagr", "volatility", "sharpe", "max_drawdown", "exposure", "trades", "dsr")
        return result_html(
            f"Backtest: {self.name} on {self.asset or 'the instrument'}",
            verdict=self.definition,
            table=columns(self.metrics, wanted),
            summary=self.summary(),
        )

    def to_dict(self, *, curves: bool = False) -> dict[str, Any]:
        """JSON-ready fields: the ``riskcurve backtest --json`` schema.

        Keys: ``strategy``, ``asset``, ``definition``, ``settings`` (``cost_bp``,
        ``slippage_bp``, ``lag``, ``capital``, ``periods_per_year``, ``n_trials``,
        ``var_trials_sharpe``, ``start``, ``end``, ``execution``), ``metrics`` (strategy name ->
        every metric of :data:`~riskcurve.backtest.metrics.METRIC_COLUMNS`), ``trades`` (the
        round trips), and with ``curves=True`` ``equity`` (``date`` and one value per strategy).
        """
        metrics = {
            str(name): {column: _json(row[column]) for column in METRIC_COLUMNS}
            for name, row in self.metrics.iterrows()
        }
        trades = [{k: _json(v) for k, v in row.items()} for row in self.trades.to_dict("records")]
        payload: dict[str, Any] = {
            "strategy": self.name,
            "asset": self.asset,
            "definition": self.definition,
            "settings": {k: _json(v) for k, v in self.settings.items()},
            "metrics": metrics,
            "trades": trades,
        }
        if curves:
            payload["equity"] = [
                {"date": _json(date), **{str(k): _json(v) for k, v in row.items()}}
                for date, row in zip(self.equity.index, self.equity.to_dict("records"), strict=True)
            ]
        return payload
