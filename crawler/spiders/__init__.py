"""One spider per source kind (feeds, sitemaps, sites) plus `UrlSpider` for ad hoc URLs."""
