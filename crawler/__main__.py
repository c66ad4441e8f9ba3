"""Entry point for `python -m crawler`."""

if __name__ == "__main__":  # not when a spawned parser process imports it
    import sys

    from crawler.interrupts import terminate_as_interrupt

    # From the first line, before the second of imports: a `kill` or Ctrl-C then is an interruption, not
    # a silent exit 143 or a traceback.
    with terminate_as_interrupt():
        try:
            from crawler.cli import main
        except KeyboardInterrupt:
            print("interrupted", file=sys.stderr)
            raise SystemExit(130) from None
        raise SystemExit(main())
