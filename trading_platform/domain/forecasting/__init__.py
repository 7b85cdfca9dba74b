"""Forecasting: walk-forward model fitting and out-of-sample prediction matrices.

A forecast for commodity c, model m and trading day t is a prediction matrix of ``n_paths``
simulated closes x ``HORIZONS`` horizons (t+1 .. t+14 trading days). Targets are cumulative log
returns ``ln(close[t+h] / close[t])`` for h = 1..14, so a forecast row has 14 numbers and the
paths keep the dependence across horizons.
"""
