"""Forecast checks on the real vendor histories (coffee, sugar, corn), ingested end to end."""

import datetime as dt

import pytest

from trading_platform.defs.partitions import slice_covering
from trading_platform.defs.universe import UNIVERSE
from trading_platform.domain.ingest import ingest_file
from trading_platform_tests.defs.conftest import AS_OF, ForecastHarness

pytestmark = pytest.mark.slow

# Lighter than the research default so three commodities x three models stay near a minute.
LIGHT = {"refit_every": 126, "oos_years": 2.0, "n_paths": 100}


@pytest.mark.parametrize("file_name", ["coffee_arabica_yahoo.csv", "sugar.csv", "corn.csv"])
def test_forecasts_given_real_history_every_check_passes(harness, real_data_dir, file_name):
    path = real_data_dir / file_name
    accepted = ingest_file(path, UNIVERSE, today=dt.date.fromisoformat(AS_OF)).accepted
    part = slice_covering([accepted])
    assert harness.run(part, files=[path]).success
    commodity = part.commodities[0]
    forecasts = ForecastHarness(harness.root, harness.instance, LIGHT)
    for model in ("naive_rw", "xgboost", "synthetic_80"):
        result = forecasts.materialize(f"{commodity}|{model}")
        assert result.success, model
        failed = {e.check_name: e.metadata for e in result.get_asset_check_evaluations()
                  if not e.passed}
        assert failed == {}, (model, failed)
        store = forecasts.store.open(commodity, model)
        assert store.paths.shape[1:] == (100, 14)
        # Two years out of sample: about 500 trading days, ending at the file's last close.
        assert 450 <= store.paths.shape[0] <= 520
