"""The producer's inventory book: harvest schedule, the day-by-day engine, strategies, metrics."""
