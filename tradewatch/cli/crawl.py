"""`tradewatch crawl` (placeholder until its stage lands)."""
COMMANDS: list = []
