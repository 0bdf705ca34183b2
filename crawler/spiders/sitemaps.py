"""Sitemap indexes, sitemaps and Google News sitemaps → their articles."""
from crawler.spiders.base import TradewatchSpider


class SitemapSpider(TradewatchSpider):
    name = "sitemaps"
    start_kind = "sitemap"
