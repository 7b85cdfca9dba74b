"""XGBoost whose hyper-parameters are tuned by Optuna inside each training set, on a cadence.

Arrays follow ``protocol.py``: ``X`` is ``(n, k)`` float64 in date order, ``Y`` is ``(n, 14)``
cumulative log returns without NaN; ``predict`` returns ``(m, 14)`` float64.

Search space (TPE, seeded): ``max_depth`` 2..5, ``learning_rate`` 0.03..0.3 (log),
``subsample`` 0.5..1.0, ``colsample_bytree`` 0.5..1.0, ``min_child_weight`` 1..100 (log),
``reg_lambda`` 1e-3..10 (log). The number of trees is not searched: each fold early-stops
(15 rounds, at most 200 trees) and the final model uses the median best count of the best trial.

Cross-validation: ``cv_folds`` expanding-window folds in row order inside the rows given to
``fit``; each validation block starts ``HORIZONS`` rows after its training rows end, so no
14-day label window of a training row reaches into a validation row's window. The objective is
the mean validation RMSE of horizons 1, 5 and 14 (short, middle, long); fitting three targets
instead of fourteen keeps a tuning to a few seconds. A median pruner stops trials whose running
mean fold RMSE is worse than the median of earlier trials at the same fold.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import optuna
import xgboost as xgb

from trading_platform.domain.forecasting.protocol import HORIZONS

TRADING_DAYS_PER_YEAR = 252
TUNING_HORIZONS = (1, 5, 14)
MAX_TREES = 200
EARLY_STOPPING_ROUNDS = 15
MIN_FOLD_TRAIN_ROWS = 50
_TUNING_COLUMNS = [h - 1 for h in TUNING_HORIZONS]


@dataclass(frozen=True)
class Fold:
    """Row ranges of one expanding-window fold: train ``[0, train_end)``, validate the rest."""

    train_end: int
    val_start: int
    val_end: int


def expanding_folds(n_rows: int, n_folds: int, gap: int = HORIZONS) -> list[Fold]:
    """Split ``n_rows`` rows into ``n_folds`` expanding folds with ``gap`` rows purged.

    The rows are cut into ``n_folds + 1`` equal blocks; fold i validates on block i + 1 and
    trains on every row ending ``gap`` rows before it, so ``train_end + gap <= val_start``.
    """
    block = n_rows // (n_folds + 1)
    first_train_end = n_rows - n_folds * block - gap
    if n_folds < 1 or block < 1 or first_train_end < MIN_FOLD_TRAIN_ROWS:
        raise ValueError(
            f"{n_rows} training rows are too few for {n_folds} folds with a {gap}-row gap "
            f"(each fold needs {MIN_FOLD_TRAIN_ROWS} training rows); fit on more rows"
        )
    folds = []
    for i in range(n_folds):
        val_end = n_rows - (n_folds - 1 - i) * block
        val_start = val_end - block
        folds.append(Fold(train_end=val_start - gap, val_start=val_start, val_end=val_end))
    return folds


def _suggest_params(trial: optuna.Trial) -> dict[str, float | int]:
    return {
        "max_depth": trial.suggest_int("max_depth", 2, 5),
        "learning_rate": trial.suggest_float("learning_rate", 0.03, 0.3, log=True),
        "subsample": trial.suggest_float("subsample", 0.5, 1.0),
        "colsample_bytree": trial.suggest_float("colsample_bytree", 0.5, 1.0),
        "min_child_weight": trial.suggest_float("min_child_weight", 1.0, 100.0, log=True),
        "reg_lambda": trial.suggest_float("reg_lambda", 1e-3, 10.0, log=True),
    }


def _booster_params(params: dict[str, float | int], seed: int, n_jobs: int) -> dict:
    # hist with 64 bins: an order of magnitude faster than exact on thousands of rows.
    return {
        **params,
        "tree_method": "hist",
        "max_bin": 64,
        "objective": "reg:squarederror",
        "eval_metric": "rmse",
        "nthread": n_jobs,
        "seed": seed,
        "verbosity": 0,
    }


def _fold_rmse(
    params: dict, X: np.ndarray, Y: np.ndarray, fold: Fold
) -> tuple[float, int]:
    train = xgb.DMatrix(X[: fold.train_end], Y[: fold.train_end])
    X_val, Y_val = X[fold.val_start : fold.val_end], Y[fold.val_start : fold.val_end]
    booster = xgb.train(
        params, train, MAX_TREES, evals=[(xgb.DMatrix(X_val, Y_val), "val")],
        early_stopping_rounds=EARLY_STOPPING_ROUNDS, verbose_eval=False,
    )
    n_trees = booster.best_iteration + 1
    pred = booster.predict(xgb.DMatrix(X_val), iteration_range=(0, n_trees)).reshape(Y_val.shape)
    rmse_per_horizon = np.sqrt(np.mean((pred - Y_val) ** 2, axis=0))
    return float(rmse_per_horizon.mean()), n_trees


def tune_xgboost_params(
    X: np.ndarray, Y: np.ndarray, *, n_trials: int, seed: int, n_jobs: int, cv_folds: int,
    timeout_s: float | None = None,
) -> tuple[dict[str, float | int], dict[str, float | int]]:
    """Search XGBoost parameters on purged expanding folds of ``(X, Y)``.

    Returns the best parameters (with ``n_estimators``) and a study summary for metadata.
    Runs exactly ``n_trials`` trials (completed plus pruned) unless ``timeout_s`` cuts it short.
    """
    optuna.logging.set_verbosity(logging.WARNING)
    folds = expanding_folds(len(X), cv_folds)
    Y_tune = Y[:, _TUNING_COLUMNS]

    def objective(trial: optuna.Trial) -> float:
        params = _booster_params(_suggest_params(trial), seed, n_jobs)
        scores, trees = [], []
        for step, fold in enumerate(folds):
            rmse, n_trees = _fold_rmse(params, X, Y_tune, fold)
            scores.append(rmse)
            trees.append(n_trees)
            trial.report(float(np.mean(scores)), step)
            if trial.should_prune():
                raise optuna.TrialPruned
        trial.set_user_attr("n_estimators", int(np.median(trees)))
        return float(np.mean(scores))

    study = optuna.create_study(
        direction="minimize",
        sampler=optuna.samplers.TPESampler(seed=seed),
        pruner=optuna.pruners.MedianPruner(n_startup_trials=4, n_warmup_steps=0),
    )
    study.optimize(objective, n_trials=n_trials, timeout=timeout_s)
    states = [t.state for t in study.trials]
    summary = {
        "best_value": float(study.best_value),
        "n_trials": len(study.trials),
        "n_complete": states.count(optuna.trial.TrialState.COMPLETE),
        "n_pruned": states.count(optuna.trial.TrialState.PRUNED),
        "n_rows": len(X),
    }
    best = {**study.best_params, "n_estimators": study.best_trial.user_attrs["n_estimators"]}
    return best, summary


class TunedXGBoostModel:
    """XGBoost for all 14 horizons, re-tuned on a fixed grid of training-set sizes.

    The cadence counts rows (the walk-forward refits an expanding window without dates): with
    ``cadence = round(252 * tune_every_years)`` rows, a fit on ``n`` rows uses parameters tuned
    on its first ``k = n // cadence * cadence`` rows (its own ``n`` rows while ``k`` is too small
    for the folds).
    Refits between two grid points reuse the latest tuned parameters. Because ``k`` depends only
    on ``n``, and the first ``k`` rows of an expanding window never change, a fit's parameters
    are a function of its own rows: the daily path, which starts fitting late, reproduces the
    walk-forward exactly. Tunings are cached by ``k``. Deterministic for a ``seed`` and ``n_jobs``.
    """

    def __init__(
        self, n_trials: int = 30, tune_every_years: float = 1, seed: int = 7, n_jobs: int = 2,
        cv_folds: int = 3, timeout_s: float | None = None,
    ) -> None:
        if n_trials < 1 or tune_every_years <= 0 or n_jobs < 1 or cv_folds < 1:
            raise ValueError(
                f"TunedXGBoostModel needs n_trials >= 1, tune_every_years > 0, n_jobs >= 1 and "
                f"cv_folds >= 1; got {n_trials=}, {tune_every_years=}, {n_jobs=}, {cv_folds=}"
            )
        self.n_trials = n_trials
        self.tune_every_years = tune_every_years
        self.seed = seed
        self.n_jobs = n_jobs
        self.cv_folds = cv_folds
        self.timeout_s = timeout_s
        self.tuned_params: dict[str, float | int] | None = None
        self.n_tunings = 0
        self.last_study_summary: dict[str, float | int] | None = None
        self._tunings: dict[int, tuple[dict[str, float | int], dict[str, float | int]]] = {}
        self._booster: xgb.Booster | None = None
        self._n_features = 0

    def sharing_tunings(self) -> TunedXGBoostModel:
        """A fresh, unfitted model with these settings that shares this one's tunings (by grid
        point): every refit is its own object, so a fit cache never holds a model that a later
        refit changes, and a grid point is still tuned only once."""
        twin = TunedXGBoostModel(self.n_trials, self.tune_every_years, self.seed, self.n_jobs,
                                 self.cv_folds, self.timeout_s)
        twin._tunings = self._tunings
        return twin

    @property
    def cadence_rows(self) -> int:
        return max(1, round(TRADING_DAYS_PER_YEAR * self.tune_every_years))

    def tuning_rows(self, n_rows: int) -> int:
        """How many leading rows the parameters of a fit on ``n_rows`` rows are tuned on.

        The grid point below ``n_rows``, or ``n_rows`` itself while that grid point is too small
        for the cross-validation folds (``(50 + 14) * (cv_folds + 1)`` rows).
        """
        k = n_rows // self.cadence_rows * self.cadence_rows
        enough = (MIN_FOLD_TRAIN_ROWS + HORIZONS) * (self.cv_folds + 1)
        return k if k >= enough else n_rows

    def needs_tuning(self, n_rows: int) -> bool:
        """Whether a fit on ``n_rows`` rows runs a new tuning (its grid point is not cached)."""
        return self.tuning_rows(n_rows) not in self._tunings

    def fit(self, X: np.ndarray, Y: np.ndarray) -> TunedXGBoostModel:
        X, Y = np.asarray(X, dtype=np.float64), np.asarray(Y, dtype=np.float64)
        if X.ndim != 2 or Y.shape != (len(X), HORIZONS) or not np.isfinite(Y).all():
            raise ValueError(
                f"TunedXGBoostModel.fit needs X (n, k) and finite Y (n, {HORIZONS}); "
                f"got X {X.shape} and Y {Y.shape}: drop rows whose labels are incomplete"
            )
        k = self.tuning_rows(len(X))
        if k not in self._tunings:
            self._tunings[k] = tune_xgboost_params(
                X[:k], Y[:k], n_trials=self.n_trials, seed=self.seed, n_jobs=self.n_jobs,
                cv_folds=self.cv_folds, timeout_s=self.timeout_s,
            )
            self.n_tunings += 1
        self.tuned_params, self.last_study_summary = self._tunings[k]
        params = dict(self.tuned_params)
        n_trees = int(params.pop("n_estimators"))
        self._booster = xgb.train(
            _booster_params(params, self.seed, self.n_jobs), xgb.DMatrix(X, Y), n_trees
        )
        self._n_features = X.shape[1]
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        if self._booster is None:
            raise RuntimeError("TunedXGBoostModel.predict called before fit; call fit first")
        X = np.asarray(X, dtype=np.float64)
        pred = self._booster.predict(xgb.DMatrix(X))
        return pred.reshape(len(X), HORIZONS).astype(np.float64)

    def raw_importance(self) -> np.ndarray:
        """Total split gain per feature column of the last fit."""
        if self._booster is None:
            raise RuntimeError("TunedXGBoostModel has no importances before fit; call fit first")
        score = self._booster.get_score(importance_type="total_gain")
        return np.array([float(score.get(f"f{i}", 0.0)) for i in range(self._n_features)])
