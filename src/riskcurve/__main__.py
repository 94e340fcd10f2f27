"""``python -m riskcurve``: the same as the ``riskcurve`` command."""

try:
    from riskcurve.cli import main
except KeyboardInterrupt:  # Ctrl-C while Python still looks for riskcurve.cli (its guard not yet in place)
    import sys

    sys.stderr.write("riskcurve: interrupted\n")
    raise SystemExit(130) from None

main()
