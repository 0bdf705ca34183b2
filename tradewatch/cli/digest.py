"""`tradewatch digest` (placeholder until its stage lands)."""
COMMANDS: list = []
