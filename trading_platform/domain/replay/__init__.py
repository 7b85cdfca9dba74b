"""User strategies in plain Python: the strategy API and event replay."""
