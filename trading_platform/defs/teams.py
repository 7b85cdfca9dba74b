"""Who owns each group of assets: the UI shows it beside every asset, and alerts can route by it.

A group is a warehouse schema (``market``, ``research``, ``trading``) and has one owning team.
"""

MARKET_TEAM = ["team:market-data"]
RESEARCH_TEAM = ["team:research"]
DESK_TEAM = ["team:desk"]
