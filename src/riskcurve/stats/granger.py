"""Granger causality both ways between two aligned return series.

The lag order is chosen by an information criterion on a VAR; each direction gets the classical
F-test and a heteroskedasticity-robust (HC3) Wald test, Holm-adjusted over the two directions.
Part of :mod:`riskcurve.stats.leadlag`, which re-exports the public names.
"""

from __future__ import annotations

from typing import Literal, TypeAlias

import numpy as np
import pandas as pd
from statsmodels.regression.linear_model import OLS
from statsmodels.tsa.vector_ar.var_model import VAR

from riskcurve.stats._validation import check_int
from riskcurve.stats.multiple_testing import family_table

InformationCriterion: TypeAlias = Literal["aic", "bic"]


def _granger_one(caused: np.ndarray, causing: np.ndarray, lags: int) -> dict[str, float]:
    n = len(caused)
    target = caused[lags:]
    own = [caused[lags - i : n - i] for i in range(1, lags + 1)]
    other = [causing[lags - i : n - i] for i in range(1, lags + 1)]
    design = np.column_stack([np.ones(n - lags), *own, *other])
    restriction = np.zeros((lags, design.shape[1]))
    restriction[:, 1 + lags :] = np.eye(lags)
    classic = OLS(target, design).fit().f_test(restriction)
    robust = OLS(target, design).fit(cov_type="HC3").f_test(restriction)
    return {
        "n": float(len(target)),
        "f": float(np.squeeze(classic.fvalue)),
        "df_num": float(classic.df_num),
        "df_denom": float(classic.df_denom),
        "p": float(np.squeeze(classic.pvalue)),
        "f_robust": float(np.squeeze(robust.fvalue)),
        "p_robust": float(np.squeeze(robust.pvalue)),
    }


def granger_causality(
    returns: pd.DataFrame,
    *,
    max_lag: int,
    ic: InformationCriterion = "bic",
    lags: int | None = None,
) -> tuple[pd.DataFrame, int, dict[str, int]]:
    """Granger causality both ways between the two columns of ``returns``.

    Parameters
    ----------
    returns
        Two columns of aligned returns: the first is the candidate leader, the second the follower.
    max_lag
        Largest VAR lag order considered by the information criterion.
    ic
        ``"bic"`` (default: consistent, prefers short lags) or ``"aic"``; the order is
        ``statsmodels.tsa.api.VAR(...).select_order(max_lag).selected_orders[ic]``, at least 1
        (a Granger test needs a lag; an order of 0 says the criterion saw no dynamics at all).
    lags
        Use this order instead of selecting one.

    Returns
    -------
    (tests, lags, orders)
        ``tests`` indexed by direction (``"A -> B"``), with ``causing``, ``caused``, ``lags``,
        ``n``, the classical F-test (``f``, ``df_num``, ``df_denom``, ``p``: identical to
        statsmodels' ``grangercausalitytests`` ``ssr_ftest``) and a heteroskedasticity-robust
        Wald F-test with HC3 standard errors (``f_robust``, ``p_robust``): returns have
        volatility clustering, which the classical F ignores. ``p_robust_holm`` adjusts the
        robust p-values for the two directions tested. ``orders`` holds the order each
        criterion chose.
    """
    if not isinstance(returns, pd.DataFrame) or returns.shape[1] != 2:
        raise TypeError("returns must be a DataFrame with exactly two columns (leader, follower)")
    max_lag = check_int("max_lag", max_lag, 1)
    if ic not in ("aic", "bic"):
        raise ValueError(f"ic must be 'aic' or 'bic'; got {ic!r}")
    values = returns.to_numpy(dtype=float)
    if len(values) < 3 * max_lag + 10:
        raise ValueError(
            f"{len(values)} returns are too few for a Granger lag search up to {max_lag}; "
            f"need at least {3 * max_lag + 10} (lower granger_max_lag)"
        )
    # Plain arrays: the exchange-day index has no regular frequency for statsmodels to use.
    selection = VAR(values).select_order(maxlags=max_lag, trend="c")
    orders = {name: int(order) for name, order in selection.selected_orders.items()}
    chosen = max(1, orders[ic]) if lags is None else check_int("lags", lags, 1)
    first, second = (str(c) for c in returns.columns)
    rows = []
    for causing, caused, a, b in ((first, second, 0, 1), (second, first, 1, 0)):
        rows.append(
            {
                "direction": f"{causing} -> {caused}",
                "causing": causing,
                "caused": caused,
                "lags": chosen,
                **_granger_one(values[:, b], values[:, a], chosen),
            }
        )
    tests = pd.DataFrame(rows).set_index("direction")
    tests["n"] = tests["n"].astype(int)
    # Asking "does either series lead?" runs both directions: a family of two.
    tests["p_robust_holm"] = family_table(tests, p_column="p_robust", methods=("holm",))["p_robust_holm"]
    return tests, chosen, orders
