"""The futures trading book: contracts and rolls, signals, the position engine, optimisers."""
