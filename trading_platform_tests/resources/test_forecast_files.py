from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import IO

import numpy as np
import pytest

from trading_platform.domain.forecasting.matrices import BUDGET_BYTES, matrix_file_bytes
from trading_platform.domain.forecasting.protocol import HORIZONS
from trading_platform.resources import forecast_files as store
from trading_platform.resources.forecast_files import (
    open_matrices,
    record_checks,
    write_matrices,
)

DATES = np.array(["2024-01-02", "2024-01-03", "2024-01-05", "2024-01-08"], dtype="datetime64[D]")


def _paths(n_days: int = 4, n_paths: int = 6, offset: float = 0.0) -> np.ndarray:
    values = np.arange(n_days * n_paths * HORIZONS, dtype=np.float32) + offset
    return values.reshape(n_days, n_paths, HORIZONS)


def _write(folder: Path, paths: np.ndarray, tag: str = "v1") -> None:
    fit_start = ["2015-01-02"] * 4
    fit_end = ["2023-12-29", "2023-12-29", "2024-01-04", "2024-01-04"]
    write_matrices(folder, DATES, paths, fit_start, fit_end, {"model": "xgboost", "tag": tag})


def test_open_matrices_given_written_store_round_trips_as_memmap(tmp_path: Path) -> None:
    _write(tmp_path, _paths())
    opened = open_matrices(tmp_path)
    assert isinstance(opened.paths, np.memmap)  # mapped, not loaded
    np.testing.assert_array_equal(opened.paths, _paths())
    np.testing.assert_array_equal(opened.dates, DATES)
    assert opened.meta["metadata"] == {"model": "xgboost", "tag": "v1"}
    assert opened.meta["n_paths"] == 6
    windows = opened.fit_windows
    assert windows["fit_end"].to_list() == [date(2023, 12, 29), date(2024, 1, 4)]
    assert windows["n_days"].to_list() == [2, 2]


def test_record_checks_given_verdicts_are_read_back_until_the_next_write(tmp_path: Path) -> None:
    _write(tmp_path, _paths())
    assert open_matrices(tmp_path).checks is None  # not checked yet
    record_checks(tmp_path, {"forecasts_shape_and_finite": {"passed": True}})
    assert open_matrices(tmp_path).checks == {"forecasts_shape_and_finite": {"passed": True}}
    _write(tmp_path, _paths(offset=1.0), tag="v2")
    assert open_matrices(tmp_path).checks is None  # new matrices, no verdict yet


def test_matrix_given_date_returns_its_row_and_unknown_date_raises(tmp_path: Path) -> None:
    _write(tmp_path, _paths())
    opened = open_matrices(tmp_path)
    matrix = opened.matrix(date(2024, 1, 5))  # third date -> row 2
    assert matrix.shape == (6, HORIZONS)
    assert isinstance(matrix, np.memmap)
    np.testing.assert_array_equal(matrix, _paths()[2])
    with pytest.raises(KeyError, match="2024-01-04"):
        opened.matrix("2024-01-04")  # a gap between the stored days


def test_range_given_inclusive_bounds_returns_memmap_view(tmp_path: Path) -> None:
    _write(tmp_path, _paths())
    window = open_matrices(tmp_path).range("2024-01-03", date(2024, 1, 7))
    np.testing.assert_array_equal(window.dates, DATES[1:3])
    assert isinstance(window.paths, np.memmap)
    np.testing.assert_array_equal(window.paths, _paths()[1:3])
    assert open_matrices(tmp_path).range("2025-01-01", "2025-02-01").paths.shape[0] == 0


def test_write_matrices_given_failure_mid_write_keeps_previous_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write(tmp_path, _paths())

    def crash_half_way(handle: IO[bytes], array: np.ndarray) -> None:
        handle.write(b"\x93NUMPY partial")
        raise OSError("disk full")

    monkeypatch.setattr(store, "_save_array", crash_half_way)
    with pytest.raises(OSError, match="disk full"):
        _write(tmp_path, _paths(offset=1000.0), tag="v2")
    opened = open_matrices(tmp_path)
    np.testing.assert_array_equal(opened.paths, _paths())
    assert opened.meta["metadata"]["tag"] == "v1"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index.parquet", "meta.json", "paths.npy"]


def test_write_matrices_given_rewrite_replaces_and_old_map_stays_valid(tmp_path: Path) -> None:
    _write(tmp_path, _paths())
    old = open_matrices(tmp_path)
    _write(tmp_path, _paths(offset=1000.0), tag="v2")
    np.testing.assert_array_equal(old.paths, _paths())  # old inode still mapped
    np.testing.assert_array_equal(open_matrices(tmp_path).paths, _paths(offset=1000.0))


def test_matrix_file_bytes_given_small_case_equals_file_size_and_5y_fits_budget(
    tmp_path: Path,
) -> None:
    # 4 days x 6 paths x 14 horizons x 4 bytes = 1,344 bytes + 128-byte .npy header = 1,472.
    _write(tmp_path, _paths())
    assert (tmp_path / "paths.npy").stat().st_size == matrix_file_bytes(4, 6) == 1_472
    # 1,260 x 500 x 14 x 4 = 35,280,000 bytes + 128 <= 40,000,000.
    assert matrix_file_bytes(1_260, 500) == 35_280_128 <= BUDGET_BYTES


def test_write_matrices_given_bad_inputs_raises_before_touching_disk(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="float32"):
        _write(tmp_path, _paths().astype(np.float64))
    with pytest.raises(ValueError, match="strictly increasing"):
        write_matrices(tmp_path, DATES[::-1], _paths(), "2015-01-02", "2023-12-29", {})
    with pytest.raises(TypeError):
        write_matrices(tmp_path, DATES, _paths(), "2015-01-02", "2023-12-29", {"x": object()})
    assert list(tmp_path.iterdir()) == []


def test_open_matrices_given_mismatched_files_names_the_problem(tmp_path: Path) -> None:
    _write(tmp_path, _paths())
    meta = json.loads((tmp_path / "meta.json").read_text())
    meta["n_days"] = 5
    (tmp_path / "meta.json").write_text(json.dumps(meta))
    with pytest.raises(ValueError, match="inconsistent"):
        open_matrices(tmp_path)
