"""Live trading: recommendations, ledger, validators, breakers, monitoring, the daily report."""
