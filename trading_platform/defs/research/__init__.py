"""Group ``research`` (schema ``research``): forecasts, backtests, candidates and the champion."""
