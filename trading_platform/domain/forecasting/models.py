"""The forecasting model zoo: point forecasters of the 14 cumulative log returns.

Every class implements ``protocol.ForecastModel``: ``fit(X, Y)`` refits from scratch and returns
self, ``predict(X)`` returns float64 ``(n_rows, HORIZONS)``, ``raw_importance()`` one
non-negative number per feature column after a fit (None when the model has no splits). Tree
models run on 2 threads with a fixed seed, so a fit on the same rows gives bit-identical
predictions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import lightgbm as lgb
import numpy as np
import xgboost as xgb
from sklearn.ensemble import RandomForestRegressor

from trading_platform.config.models import ModelSpec, ModelZoo
from trading_platform.domain.forecasting.protocol import (
    HORIZONS,
    FitCache,
    ForecastModel,
    training_key,
)

N_JOBS = 2
SEED = 7


class RandomWalkModel:
    """The martingale benchmark: every cumulative log return is forecast as zero.

    Its paths are today's close times bootstrapped residuals, so they are centred on today's
    close; every learned model must beat its RMSE to be worth running. ``martingale``: its
    residuals are the realised returns themselves, whose recent mean is a trailing drift the
    benchmark must not carry, so the walk-forward centres its residual pools on zero.
    """

    martingale = True

    def fit(self, X: np.ndarray, Y: np.ndarray) -> RandomWalkModel:
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        return np.zeros((X.shape[0], HORIZONS))

    def raw_importance(self) -> np.ndarray | None:
        return None


class XGBoostModel:
    """Gradient-boosted trees with one vector-leaf tree per round for all 14 horizons.

    Uses xgboost's ``multi_strategy="multi_output_tree"``: each tree's splits are shared by the
    horizons and each leaf holds 14 values. Cumulative returns at neighbouring horizons are
    strongly correlated, so shared splits lose little, and one tree per round instead of
    fourteen makes a refit several times cheaper. ``params`` go to ``XGBRegressor``
    (``n_estimators``, ``max_depth``, ``learning_rate``, ...); hist with 64 bins, 2 threads.
    """

    def __init__(self, **params: Any) -> None:
        self.params = {
            "tree_method": "hist", "max_bin": 64, "multi_strategy": "multi_output_tree",
            "n_jobs": N_JOBS, "random_state": SEED, **params,
        }
        self._model: xgb.XGBRegressor | None = None

    def fit(self, X: np.ndarray, Y: np.ndarray) -> XGBoostModel:
        self._model = xgb.XGBRegressor(**self.params).fit(X, Y)
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        return np.asarray(_fitted(self._model, self).predict(X), dtype=np.float64).reshape(
            X.shape[0], HORIZONS
        )

    def raw_importance(self) -> np.ndarray:
        """Gain importance per feature (xgboost's default for tree boosters)."""
        return np.asarray(_fitted(self._model, self).feature_importances_, dtype=np.float64)


class LightGBMModel:
    """LightGBM, one booster per horizon (LightGBM has no multi-output trees).

    ``params`` go to ``LGBMRegressor``; 2 threads, ``deterministic=True`` with row-wise
    histograms and a fixed seed so refits on the same rows are bit-identical, ``verbose=-1``.
    """

    def __init__(self, **params: Any) -> None:
        self.params = {
            "n_jobs": N_JOBS, "random_state": SEED, "deterministic": True,
            "force_row_wise": True, "verbose": -1, **params,
        }
        self._models: list[lgb.LGBMRegressor] = []

    def fit(self, X: np.ndarray, Y: np.ndarray) -> LightGBMModel:
        self._models = [lgb.LGBMRegressor(**self.params).fit(X, Y[:, h]) for h in range(HORIZONS)]
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        if not self._models:
            raise RuntimeError("LightGBMModel.predict called before fit; call fit(X, Y) first")
        return np.column_stack([model.predict(X) for model in self._models]).astype(np.float64)

    def raw_importance(self) -> np.ndarray:
        """Split gain per feature, each horizon's booster normalised to 1, then averaged."""
        if not self._models:
            raise RuntimeError("LightGBMModel has no importances before fit; call fit first")
        gains = [m.booster_.feature_importance("gain") for m in self._models]
        return np.mean([g / g.sum() if g.sum() > 0 else g for g in gains], axis=0)


class RandomForestModel:
    """scikit-learn's random forest, natively multi-output (one forest, 14-value leaves).

    ``params`` go to ``RandomForestRegressor``; fits on 2 threads with a fixed
    ``random_state``. Predictions run single-threaded: the parallel path sums trees in thread
    completion order, which would break bit-identical reruns.
    """

    def __init__(self, **params: Any) -> None:
        self.params = {"n_jobs": N_JOBS, "random_state": SEED, **params}
        self._model: RandomForestRegressor | None = None

    def fit(self, X: np.ndarray, Y: np.ndarray) -> RandomForestModel:
        self._model = RandomForestRegressor(**self.params).fit(X, Y)
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        model = _fitted(self._model, self)
        model.set_params(n_jobs=1)
        try:
            return np.asarray(model.predict(X), dtype=np.float64).reshape(X.shape[0], HORIZONS)
        finally:
            model.set_params(n_jobs=self.params["n_jobs"])

    def raw_importance(self) -> np.ndarray:
        """Mean impurity decrease per feature (scikit-learn's ``feature_importances_``)."""
        return np.asarray(_fitted(self._model, self).feature_importances_, dtype=np.float64)


class EnsembleModel:
    """The equal-weight mean of its members' point forecasts.

    Members are fitted on the same rows; averaging models with different biases (boosting,
    bagging) usually lowers the variance of the forecast error. ``member_fits`` (one cache or
    None per member) hands back a member already fitted on the same rows by the same member
    definition, e.g. by that model's own forecasts partition, instead of fitting it again.
    """

    def __init__(self, members: list[ForecastModel],
                 member_fits: Sequence[FitCache | None] | None = None) -> None:
        if not members:
            raise ValueError("EnsembleModel needs at least one member model")
        fits = list(member_fits) if member_fits is not None else [None] * len(members)
        if len(fits) != len(members):
            raise ValueError(f"EnsembleModel: {len(fits)} member caches for {len(members)} "
                             "members")
        self.members = members
        self.member_fits = fits
        self.reused = 0  # members handed back by member_fits in the last fit

    def fit(self, X: np.ndarray, Y: np.ndarray) -> EnsembleModel:
        key = training_key(X, Y) if any(f is not None for f in self.member_fits) else ""
        self.reused = 0
        for i, (member, fits) in enumerate(zip(self.members, self.member_fits, strict=True)):
            found = fits.get(key) if fits is not None else None
            self.reused += found is not None
            self.members[i] = found if found is not None else member.fit(X, Y)
        return self

    def __getstate__(self) -> dict[str, Any]:
        """A kept ensemble carries its fitted members, not the caches they came from."""
        return self.__dict__ | {"member_fits": [None] * len(self.members)}

    def predict(self, X: np.ndarray) -> np.ndarray:
        return np.mean([member.predict(X) for member in self.members], axis=0)

    def raw_importance(self) -> np.ndarray | None:
        """The mean of the members' importances, each normalised to sum to 1."""
        shares = [member.raw_importance() for member in self.members]
        shares = [s / s.sum() for s in shares if s is not None and s.sum() > 0]
        return np.mean(shares, axis=0) if shares else None


_CLASSES: dict[str, type] = {
    "random_walk": RandomWalkModel,
    "xgboost": XGBoostModel,
    "lightgbm": LightGBMModel,
    "random_forest": RandomForestModel,
}
_ELSEWHERE = {
    "xgboost_optuna": "trading_platform.domain.forecasting.tuned",
    "synthetic": "trading_platform.domain.forecasting.synthetic_models",
}


def build_model(spec: ModelSpec, zoo: ModelZoo,
                member_fits: Mapping[str, FitCache] | None = None) -> ForecastModel:
    """Return a fresh, unfitted model for ``spec``; ensemble members are looked up in ``zoo``
    and fitted through ``member_fits`` (by member key) where it has their cache.

    Raises ValueError for kinds built elsewhere (``xgboost_optuna``, ``synthetic``).
    """
    if spec.kind in _ELSEWHERE:
        raise ValueError(
            f"model kind {spec.kind!r} is not built by models.build_model; use "
            f"{_ELSEWHERE[spec.kind]} for it"
        )
    if spec.kind == "ensemble":
        keys = spec.params["members"]
        members = [build_model(zoo.models[key], zoo) for key in keys]
        return EnsembleModel(members, [(member_fits or {}).get(key) for key in keys])
    if spec.kind == "random_walk":
        return RandomWalkModel()
    return _CLASSES[spec.kind](**spec.params)


def _fitted(model: Any, owner: object) -> Any:
    if model is None:
        raise RuntimeError(f"{type(owner).__name__}.predict called before fit; call fit(X, Y)")
    return model
