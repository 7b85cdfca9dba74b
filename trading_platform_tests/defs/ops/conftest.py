"""A Dagster instance with the production storage, per test, for the sensors' tests."""

from pathlib import Path

import pytest

from trading_platform_tests.defs.conftest import production_like_instance


@pytest.fixture()
def instance(tmp_path: Path):
    with production_like_instance(tmp_path / "dagster_home") as instance:
        yield instance
