"""``python -m trading_platform.cli``: the command line (see ``trading_platform.cli.main``)."""

from trading_platform.cli.main import main

if __name__ == "__main__":
    raise SystemExit(main())
