"""tradewatch: trade news → knowledge base → alerts."""

__version__ = "0.1.0"
