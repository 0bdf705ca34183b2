"""Scrapy settings: the one place they live (scrapy.cfg points here).

Module constants are the defaults for every crawl; `crawl_settings()` adds what comes
from the tradewatch config (user agent, politeness, size cap, per-source rates) and the
run (database, run id, allow-private).
"""
from __future__ import annotations

from urllib.parse import urlsplit

from core import config as _config
from crawler import guard as _guard

BOT_NAME = "tradewatch"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# No remote control or telnet: nothing listens on a port while we crawl.
REMOTE_CONTROL_ENABLED = False
TELNETCONSOLE_ENABLED = False

# Politeness.
USER_AGENT = _config.USER_AGENT
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 32
CONCURRENT_REQUESTS_PER_DOMAIN = 4
DOWNLOAD_DELAY = 0.25
DOWNLOAD_DELAY_JITTER = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
COOKIES_ENABLED = False
# One fingerprint per canonical URL: tracking variants of an article are never fetched twice.
REQUEST_FINGERPRINTER_CLASS = "crawler.fingerprint.CanonicalUrlFingerprinter"
DUPEFILTER_CLASS = "crawler.fingerprint.CrawlWideDupeFilter"   # shared by the spiders of one crawl
# Items processed in parallel per response. A page yields one item, yet Scrapy starts this many
# asyncio workers for every callback's output (100 by default): ~100 tasks per page for nothing.
CONCURRENT_ITEMS = 8

# Size and time limits. A news page over 5 MB is not a news page.
DOWNLOAD_MAXSIZE = 5 * 1024 * 1024
DOWNLOAD_WARNSIZE = 1 * 1024 * 1024
DOWNLOAD_TIMEOUT = 30
DNS_TIMEOUT = 10
# The downloader connects only to addresses the address guard checked (DNS rebinding, see
# crawler/resolver.py); IPv4 and IPv6.
TWISTED_DNS_RESOLVER = "crawler.resolver.GuardedResolver"
REDIRECT_MAX_TIMES = 5
METAREFRESH_ENABLED = False
URLLENGTH_LIMIT = 2083

# Retries: transient errors and 429/503 (which honour Retry-After, see middlewares).
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
RETRY_BACKOFF_BASE = 1.0          # seconds; doubled per attempt
RETRY_BACKOFF_MAX = 60.0          # a Retry-After longer than this gives up (logged)

# Our components. The address guard runs before anything else touches the network,
# including robots.txt fetches.
DOWNLOADER_MIDDLEWARES = {
    "crawler.middlewares.AddressGuardMiddleware": 40,
    # Our guard applies the offsite rule itself and logs each refusal to the run log.
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
    "crawler.middlewares.ConditionalGetMiddleware": 560,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.BackoffRetryMiddleware": 550,
    "crawler.middlewares.ContentGuardMiddleware": 595,
}
ITEM_PIPELINES = {
    "crawler.pipelines.ArticlePipeline": 300,
}
EXTENSIONS = {
    "crawler.extensions.RunRecorder": 500,
    "crawler.extensions.DistributedIdle": 510,      # only with --scheduler redis://…
}

# Tradewatch's own settings (read by the components above).
TRADEWATCH_DB = "data/tradewatch.db"
TRADEWATCH_RUN_ID = None
TRADEWATCH_ALLOWED_NETWORKS: list[str] = []   # e.g. ["127.0.0.1/32"] for tests; empty = public only
TRADEWATCH_RECRAWL = False                     # re-fetch stored articles of every source (per source: `recrawl`)
TRADEWATCH_CLEAN_WORKERS = "auto"              # processes cleaning pages: a number, "auto" = one per CPU, 0 = inline
TRADEWATCH_CLEAN_AFTER_FETCH = True            # with workers: park fetched pages on disk, clean them when the fetch is over
TRADEWATCH_CLEAN_FUNCTION = "crawler.cleaning.clean_page"   # HTML → {"article", "signature"}
TRADEWATCH_WRITE_BATCH_PAGES = 200            # pages stored per SQLite transaction (0 = one per write) …
TRADEWATCH_WRITE_BATCH_SECONDS = 0.5           # … or fewer, committed at most this long after the first
TRADEWATCH_KEEP_HTML = True                    # store raw HTML (config crawl.raw_html_days = 0 turns it off)
TRADEWATCH_MEMORY_MARKS: list[int] = []        # record resident memory when pages_fetched reaches these
TRADEWATCH_DISTRIBUTED = False                 # set by --scheduler redis://…
TRADEWATCH_REDIS_IDLE_CLOSE = 5.0              # seconds an empty shared queue waits for more work
HTML_CONTENT_TYPES = ["text/html", "application/xhtml+xml"]
FEED_CONTENT_TYPES = ["xml", "rss", "atom", "text/plain"]

LOG_LEVEL = "INFO"
FEED_EXPORT_ENCODING = "utf-8"

# Test/local-mirror settings: short timeouts, no delays. Used by tests and benchmarks.
FAST_LOCAL = {
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "DOWNLOAD_TIMEOUT": 2,
    "RETRY_BACKOFF_BASE": 0.1,
    "RETRY_BACKOFF_MAX": 3.0,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
    "LOG_LEVEL": "WARNING",
    "TRADEWATCH_CLEAN_WORKERS": 0,      # tiny crawls: a worker's start-up costs more than it saves
}


def crawl_settings(config, *, db_path: str, run_id=None, allow_private: bool = False,
                   sources=(), overrides: dict | None = None) -> dict:
    """Settings for one crawl: these module defaults + config + run + explicit overrides."""
    crawl = config.crawl
    settings = {
        "USER_AGENT": crawl.user_agent,
        "ROBOTSTXT_OBEY": crawl.obey_robots,
        "DOWNLOAD_MAXSIZE": min(crawl.max_page_bytes, 5 * 1024 * 1024),
        "DOWNLOAD_WARNSIZE": min(DOWNLOAD_WARNSIZE, crawl.max_page_bytes),
        "CONCURRENT_REQUESTS_PER_DOMAIN": crawl.concurrency_per_domain,
        "DOWNLOAD_DELAY": crawl.download_delay,
        "AUTOTHROTTLE_START_DELAY": max(crawl.download_delay, 0.5),
        "TRADEWATCH_DB": db_path,
        "TRADEWATCH_RUN_ID": run_id,
        "TRADEWATCH_ALLOWED_NETWORKS": list(_guard.PRIVATE_MIRROR_NETWORKS) if (allow_private or crawl.allow_private) else [],
        "DOWNLOAD_SLOTS": _rate_slots(sources),
    }
    settings.update(overrides or {})
    return settings


def _rate_slots(sources) -> dict:
    """Per-source `rate` (requests/s) → a download slot delay for each of its hosts."""
    slots = {}
    for source in sources:
        if source.rate:
            for url in source.urls:
                host = urlsplit(url).hostname or ""
                slots[host] = {"delay": 1.0 / source.rate, "jitter": 0.0}
    return slots
