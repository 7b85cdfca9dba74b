"""The MLflow tracker writes runs that MLflow reads back: params, metrics, plots, models."""

import numpy as np
import pytest
from mlflow.tracking import MlflowClient
from sklearn.linear_model import Ridge

from trading_platform.domain.reporting.charts import price_chart
from trading_platform.resources.tracker import MlflowTracker


@pytest.mark.slow
def test_tracker_given_forecast_build_records_params_metrics_plot_and_model(tmp_path, universe):
    import datetime as dt

    import mlflow

    from trading_platform.domain.market.synthetic import generate_universe_market

    tracker = MlflowTracker(root=str(tmp_path / "mlflow"))
    X, y = np.random.default_rng(0).normal(size=(60, 3)), np.arange(60.0)
    model = Ridge().fit(X, y)
    market = generate_universe_market(universe, dt.date(2024, 1, 1), dt.date(2024, 2, 29),
                                      ["coffee"])
    with tracker.run("forecasts", "coffee/ridge",
                     {"dagster_run_id": "run-1", "commodity": "coffee"}) as run:
        run.log_params({"refit_every": 21})
        run.log_metrics({"rmse_h1": 0.25})
        run.log_png(price_chart(market, "close"), "plots/close.png")
        uri = run.log_forecast_model(model, X[:2])

    client = MlflowClient(tracker.tracking_uri)
    stored = client.get_run(run.run_id)
    assert stored.data.params == {"refit_every": "21"}
    assert stored.data.metrics == {"rmse_h1": 0.25}
    assert stored.data.tags["dagster_run_id"] == "run-1"
    assert stored.info.status == "FINISHED"
    assert [a.path for a in client.list_artifacts(run.run_id, "plots")] == ["plots/close.png"]
    assert str(tmp_path) in stored.info.artifact_uri  # artifacts stay under the data directory
    mlflow.set_tracking_uri(tracker.tracking_uri)
    loaded = mlflow.pyfunc.load_model(uri)  # any object with predict(X), pickled in the artifact
    np.testing.assert_allclose(loaded.predict(X), model.predict(X))


@pytest.mark.slow
def test_tracker_given_failing_block_marks_run_failed(tmp_path):
    tracker = MlflowTracker(root=str(tmp_path / "mlflow"))
    with pytest.raises(RuntimeError), tracker.run("forecasts", "boom", {}) as run:
        raise RuntimeError("fit failed")
    assert MlflowClient(tracker.tracking_uri).get_run(run.run_id).info.status == "FAILED"


def test_forecast_pyfunc_given_untyped_predict_stays_quiet_and_predicts():
    import warnings

    import mlflow

    from trading_platform.resources.tracker import _forecast_pyfunc

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        wrapped = _forecast_pyfunc(mlflow, Ridge().fit(np.eye(3), np.arange(3.0)))
    assert not [w for w in caught if "Add type hints" in str(w.message)]
    assert wrapped.predict(None, np.eye(3)).shape == (3,)
