"""`tradewatch serve` (placeholder until its stage lands)."""
COMMANDS: list = []
