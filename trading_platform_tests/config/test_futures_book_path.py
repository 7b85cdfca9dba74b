"""A universe of its own gets a futures book of its own: TRADING_PLATFORM_FUTURES_BOOK points the
definitions at another futures_book.yaml (the 50-commodity benchmark needs a lower weight
bound than the bundled 0.05, which admits at most 20 positions)."""

import subprocess
import sys
from pathlib import Path

import yaml

from trading_platform.settings import FUTURES_BOOK_ENV, futures_book_path

BUNDLED = Path(__file__).resolve().parents[2] / "trading_platform/config/futures_book.yaml"


def test_futures_book_path_given_no_variable_is_the_bundled_default(monkeypatch):
    monkeypatch.delenv(FUTURES_BOOK_ENV, raising=False)
    assert futures_book_path() is None


def test_definitions_given_a_futures_book_variable_load_that_book(tmp_path):
    book = yaml.safe_load(BUNDLED.read_text())
    book["portfolio"]["lower_bound"] = 0.01
    target = tmp_path / "futures_book.yaml"
    target.write_text(yaml.safe_dump(book))
    shown = subprocess.run(
        [sys.executable, "-c", "from trading_platform.defs.universe import FUTURES_BOOK; "
                               "print(FUTURES_BOOK.portfolio.lower_bound)"],
        env={"PATH": "/usr/bin:/bin", FUTURES_BOOK_ENV: str(target),
             "TRADING_PLATFORM_DATA_DIR": str(tmp_path)},
        capture_output=True, text=True, check=True, cwd=Path(__file__).resolve().parents[2])
    assert shown.stdout.strip() == "0.01"
