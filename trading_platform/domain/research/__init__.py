"""Strategy research: searches, walk-forward splits, overfitting statistics, the gate."""
