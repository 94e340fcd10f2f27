"""Signals: pure functions of what was known at each date.

Every signal takes pandas objects (closes, bars, point-in-time macro values) and returns a
date-indexed frame whose row ``t`` depends only on inputs dated on or before ``t``. Reading
from the store and aligning calendars happens before, in :mod:`riskcurve.data`.
"""
