"""Ad hoc URLs (`tradewatch crawl --url`): feed, sitemap or article page, sniffed from the bytes."""
from crawler.spiders.base import TradewatchSpider


class UrlSpider(TradewatchSpider):
    name = "urls"
    start_kind = "any"
