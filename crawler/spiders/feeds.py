"""RSS 0.9x/1.0/2.0 and Atom feeds → their articles."""
from crawler.spiders.base import TradewatchSpider


class FeedSpider(TradewatchSpider):
    name = "feeds"
    start_kind = "feed"
