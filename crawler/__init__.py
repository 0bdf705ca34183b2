"""The Scrapy project: sources → requests → Page items → pipelines (clean, extract, store)."""
