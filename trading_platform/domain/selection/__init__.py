"""Champion selection: regime labels, candidate scoring, the champion rule."""
