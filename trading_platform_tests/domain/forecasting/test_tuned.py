import numpy as np
import pytest

from trading_platform.domain.forecasting.protocol import HORIZONS, ForecastModel
from trading_platform.domain.forecasting.tuned import TunedXGBoostModel, expanding_folds


# n_jobs=1 throughout: two test workers each spinning two OpenMP threads on a 2-core machine
# slow these many tiny fits down by an order of magnitude (see the model_training pool).
def _planted(n_rows: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    # Y = 0.01 * X[:, 0] + noise at every horizon; noise sd 0.005 leaves a signal-to-noise of 2.
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_rows, 4))
    Y = 0.01 * X[:, [0]] + 0.005 * rng.normal(size=(n_rows, HORIZONS))
    return X, Y


def test_expanding_folds_given_300_rows_3_folds_blocks_of_75_with_14_row_gap():
    # 300 // 4 = 75-row blocks; fold 0 validates on [75, 150) and trains on [0, 75 - 14 = 61).
    folds = expanding_folds(300, 3)
    assert [(f.train_end, f.val_start, f.val_end) for f in folds] == [
        (61, 75, 150), (136, 150, 225), (211, 225, 300),
    ]


@pytest.mark.parametrize("n_rows", [400, 601, 2517])
@pytest.mark.parametrize("n_folds", [1, 3, 5])
def test_expanding_folds_given_any_size_no_label_window_overlaps_validation(n_rows, n_folds):
    folds = expanding_folds(n_rows, n_folds)
    for fold in folds:
        # The last training row's 14-day label ends at train_end - 1 + 14 < val_start.
        assert fold.train_end + HORIZONS <= fold.val_start < fold.val_end <= n_rows
    assert [f.train_end for f in folds] == sorted(f.train_end for f in folds)
    assert folds[-1].val_end == n_rows


def test_expanding_folds_given_too_few_rows_raises_naming_the_rows():
    with pytest.raises(ValueError, match="40 training rows are too few"):
        expanding_folds(40, 3)


def test_tuned_model_given_planted_signal_beats_zero_forecast():
    X, Y = _planted(700)
    model = TunedXGBoostModel(n_jobs=1, n_trials=6, seed=7)
    assert isinstance(model, ForecastModel)
    pred = model.fit(X[:500], Y[:500]).predict(X[514:])
    assert pred.shape == (186, HORIZONS) and pred.dtype == np.float64
    rmse_model = np.sqrt(np.mean((pred - Y[514:]) ** 2))
    rmse_zero = np.sqrt(np.mean(Y[514:] ** 2))
    assert rmse_model < rmse_zero
    assert np.corrcoef(pred.ravel(), Y[514:].ravel())[0, 1] > 0.5


def test_tuned_model_given_600_700_900_rows_tunes_on_grid_points_504_and_756():
    X, Y = _planted(900)
    model = TunedXGBoostModel(n_jobs=1, n_trials=2, tune_every_years=1)
    model.fit(X[:600], Y[:600])  # cadence 252 rows: 600 // 252 * 252 = 504
    params_at_504 = model.tuned_params
    assert model.n_tunings == 1 and model.last_study_summary["n_rows"] == 504
    model.fit(X[:700], Y[:700])  # 700 // 252 * 252 = 504 again: reuse
    assert model.n_tunings == 1 and model.tuned_params is params_at_504
    model.fit(X[:900], Y[:900])  # 900 // 252 * 252 = 756: tune again
    assert model.n_tunings == 2 and model.last_study_summary["n_rows"] == 756


def test_tuned_model_given_fit_history_or_none_same_prediction():
    # A fresh model fitted once on 700 rows (the daily path) equals one fitted on 600 then 700
    # rows (the walk-forward): both tune on the first 504 rows.
    X, Y = _planted(700)
    walked = TunedXGBoostModel(n_jobs=1, n_trials=2)
    walked.fit(X[:600], Y[:600])
    walked.fit(X, Y)
    fresh = TunedXGBoostModel(n_jobs=1, n_trials=2).fit(X, Y)
    assert fresh.tuned_params == walked.tuned_params
    np.testing.assert_array_equal(fresh.predict(X[-20:]), walked.predict(X[-20:]))


def test_tuned_model_given_n_trials_runs_that_many_complete_or_pruned():
    X, Y = _planted(504)
    model = TunedXGBoostModel(n_jobs=1, n_trials=12).fit(X, Y)
    summary = model.last_study_summary
    assert summary["n_complete"] + summary["n_pruned"] == summary["n_trials"] == 12
    assert set(model.tuned_params) == {
        "max_depth", "learning_rate", "subsample", "colsample_bytree", "min_child_weight",
        "reg_lambda", "n_estimators",
    }


def test_tuned_model_given_same_seed_is_deterministic():
    X, Y = _planted(504)
    first = TunedXGBoostModel(n_jobs=1, n_trials=3, seed=11).fit(X, Y)
    second = TunedXGBoostModel(n_jobs=1, n_trials=3, seed=11).fit(X, Y)
    assert first.tuned_params == second.tuned_params
    np.testing.assert_array_equal(first.predict(X[:20]), second.predict(X[:20]))


def test_tuned_model_given_nan_labels_raises_asking_to_drop_rows():
    X, Y = _planted(504)
    Y[-1, -1] = np.nan
    with pytest.raises(ValueError, match="drop rows whose labels are incomplete"):
        TunedXGBoostModel(n_jobs=1, n_trials=1).fit(X, Y)
