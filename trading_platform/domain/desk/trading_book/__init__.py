"""The futures (trading) book's desk: the day's proposed portfolio, its validators, breakers
and kill switch."""
