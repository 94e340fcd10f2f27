"""``python -m riskcurve``: the same as the ``riskcurve`` command."""

from riskcurve.cli import main

main()
