"""Market data as data: schema, row rules, calendars, vendor-file parsing and commodity names,
unit and level checks against the stored series, quality checks, the synthetic generator."""
