"""Strategy research: parameter searches, walk-forward splits, overfitting statistics and the promotion gate."""
