"""Shared fixtures: the default universe and the real vendor files in ../shared/data/real."""

from __future__ import annotations

from pathlib import Path

import pytest

from trading_platform.config import Universe, load_universe
from trading_platform.settings import apply_dagster_event_defaults

REPO_ROOT = Path(__file__).resolve().parents[1]
REAL_DATA_DIR = REPO_ROOT.parent / "shared" / "data" / "real"


@pytest.fixture(scope="session")
def universe() -> Universe:
    return load_universe()


@pytest.fixture(scope="session")
def real_data_dir() -> Path:
    # The real files live beside the repository and are never copied into it. A missing folder
    # is a broken checkout, so fail loudly instead of skipping.
    if not REAL_DATA_DIR.is_dir():
        pytest.fail(f"real data folder {REAL_DATA_DIR} is missing; it must sit beside the repo")
    return REAL_DATA_DIR


@pytest.fixture(scope="session", autouse=True)
def _dagster_event_batching():
    # Same event batching as `make demo` / `make ui` (settings.DAGSTER_EVENT_DEFAULTS).
    apply_dagster_event_defaults()
