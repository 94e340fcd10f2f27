"""The bounds riskcurve puts on what comes in, in one light module (the CLI's help quotes them).

See :mod:`riskcurve.data.validation` for how each is enforced and why.
"""

from __future__ import annotations

import datetime as dt

#: The earliest date riskcurve accepts anywhere (files, providers, options).
EARLIEST_DATE = dt.date(1900, 1, 1)
#: Largest close (or open/high/low) accepted: far above any real price or stablecoin supply in
#: USD (stored as bars; all of them together are ~3e11), far below float overflow.
MAX_PRICE = 1e15
#: Largest move from one bar's close to the next (up or down, as a factor) accepted without
#: ``--allow-jumps``. The snapshot's largest real one-day move is DOGE's x4.6 on 2021-01-28.
JUMP_FACTOR = 10.0
#: Largest CSV file read (bytes) and most data lines in it: a daily series since 1900 has
#: fewer than 50,000 lines.
MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_ROWS = 100_000
#: Longest CSV field (characters); a longer one is a broken file, not data.
MAX_FIELD_CHARS = 1024
#: Longest publication lag an import may declare: ten years.
MAX_LAG_DAYS = 3660
