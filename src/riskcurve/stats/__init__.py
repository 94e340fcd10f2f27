"""Statistics that test claims honestly: forward returns, resampling engines, event studies.

:mod:`riskcurve.stats.forward` is the only module in riskcurve that looks forward in time;
everything else here consumes what it returns and says how much evidence there is.
"""
