"""The daily path shared by the books: decisions, the ledger, validators, breakers, parity with
the backtest, forecast monitoring."""
