"""`tradewatch daily` (placeholder until its stage lands)."""
COMMANDS: list = []
