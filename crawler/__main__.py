"""Entry point for `python -m crawler`."""

from crawler.cli import main

if __name__ == "__main__":  # not when a spawned parser process imports it
    raise SystemExit(main())
