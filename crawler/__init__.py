"""The Scrapy project: sources → requests → Page items → pipeline (clean, dedupe, store).

Public entry point (everything else is internal to the crawl process):

    from crawler.run import crawl
    stats = crawl(config, db_path="data/tradewatch.db", sources=None, urls=None, run_id=None,
                  allow_private=False, settings=None, scheduler=None, scheduler_run=None,
                  timeout=None, log_file=None)

Each call runs the Scrapy engine in its own child process (the reactor cannot restart),
so it may be called any number of times. Extraction is not part of a crawl: run
`tradewatch.extraction.extract_pending(kb)` afterwards (the `tradewatch crawl` command does).

Modules: settings (all Scrapy settings), sources (config → spider input), spiders/ (feeds,
sitemaps, sites, ad hoc urls), parsing (feedparser / defusedxml), middlewares (address
guard, retries with Retry-After, conditional GET, content checks), guard (the SSRF rules),
charset, urls (canonical URLs), dates, cleaning (trafilatura off the reactor), spool (pages
parked on disk until the fetch is over, then cleaned on every core), dedupe (content hash +
MinHash LSH), batching (one SQLite transaction per batch of pages), pipelines, extensions
(run log, distributed idle), run.
"""
