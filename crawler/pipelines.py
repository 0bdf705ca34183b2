"""Page → stored article. Thin: each step is another module's public function.

canonical URL → seen? → extract.clean.clean_html → published date → dedupe → kb.save_article
(+ signature). Extraction (spaCy) is not done here: it runs after the crawl over the
articles not yet extracted.

With cleaning workers and TRADEWATCH_CLEAN_AFTER_FETCH (the default), a fetched page is
parked on disk (crawler.spool) and cleaned, deduplicated and stored when the fetch is over,
by every worker at once, before the spider closes: the crawl's stats and its callers see
the same result as when pages are cleaned one by one while crawling.
"""
from __future__ import annotations

import asyncio
import logging
import time

from crawler import dates, guard
from crawler.cleaning import Cleaner, worker_count
from crawler.dedupe import StoryIndex
from crawler.extensions import RunRecorder
from crawler.items import Page
from crawler.spool import PageSpool
from core.urls import canonical_url, link_canonical

logger = logging.getLogger(__name__)


class ArticlePipeline:
    def __init__(self, crawler):
        self.crawler = crawler
        self.recorder = RunRecorder.of(crawler)
        self.keep_html = crawler.settings.getbool("TRADEWATCH_KEEP_HTML", True)
        self.index: StoryIndex | None = None
        self.cleaner: Cleaner | None = None
        self.spool: PageSpool | None = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self):
        settings = self.crawler.settings
        workers = worker_count(settings.get("TRADEWATCH_CLEAN_WORKERS", 1))
        self.cleaner = Cleaner(workers, settings.get("TRADEWATCH_CLEAN_FUNCTION", "crawler.cleaning.clean_page"))
        if workers and settings.getbool("TRADEWATCH_CLEAN_AFTER_FETCH", True):
            self.spool = PageSpool()
        self.index = StoryIndex()
        loaded = self.index.load(self.recorder.kb.story_signatures())
        logger.info("story index: %d signatures loaded", loaded)

    async def close_spider(self):
        try:
            if self.spool is not None:
                await self._clean_parked_pages()
        finally:
            self.recorder.batch.commit()
            if self.cleaner is not None:
                self.cleaner.close()
            if self.spool is not None:
                self.spool.close()

    async def process_item(self, item):
        if not isinstance(item, Page):
            return item
        try:
            page_url = self._page_url(item)          # parsed once per page: it scans the HTML
            identity = getattr(self.crawler.spider, "identity_url", None)
            if identity is not None:
                page_url = identity(page_url, item.source)     # a mirror's page under the mirrored origin
            canonical = canonical_url(page_url)
            if self._already_stored(item, canonical):
                self.recorder.batch.page_done()
                return item
            if self.spool is not None:
                self.spool.add((item, page_url, canonical))    # cleaned when the fetch is over
                return item
        except Exception as exc:  # one bad page never stops the run
            logger.exception("storing %s", item.url)
            self.recorder.failure(item.url, f"store: {type(exc).__name__}: {exc}", source=item.source)
            return item
        await self._clean_and_store(item, page_url, canonical)
        return item

    async def _clean_and_store(self, page: Page, page_url: str, canonical: str) -> None:
        batch = self.recorder.batch
        try:
            cleaned = await self.cleaner.clean(page.html, page.final_url)
            batch.begin()
            self.store(page, cleaned, page_url, canonical)
        except Exception as exc:  # one bad page never stops the run
            logger.exception("storing %s", page.url)
            self.recorder.failure(page.url, f"store: {type(exc).__name__}: {exc}", source=page.source)
        finally:
            batch.page_done()

    async def _clean_parked_pages(self) -> None:
        """The fetch is over: clean the parked pages on every worker, storing each as it is done
        (a few per worker in flight, so the rest stay on disk)."""
        recorder = self.recorder
        recorder.fetch_done()
        started, parked = time.monotonic(), len(self.spool)
        limit = 4 * max(1, self.cleaner.workers)
        in_flight: set[asyncio.Future] = set()
        for page, page_url, canonical in self.spool.drain():
            task = asyncio.ensure_future(self._clean_and_store(page, page_url, canonical))
            in_flight.add(task)
            task.add_done_callback(in_flight.discard)
            if len(in_flight) >= limit:
                await asyncio.wait(set(in_flight), return_when=asyncio.FIRST_COMPLETED)
        if in_flight:
            await asyncio.wait(set(in_flight))
        recorder.clean_stage_done(parked, time.monotonic() - started)

    @staticmethod
    def _page_url(page: Page) -> str:
        """The page's own URL: its declared canonical on the same site (AMP, print and
        tracking variants collapse), else where it was fetched from. A canonical link to
        another outlet marks a syndicated copy: that copy keeps its own URL, so it is stored
        and linked to the story instead of vanishing."""
        declared = link_canonical(page.html, page.final_url)
        if declared and guard.source_domain(declared) == guard.source_domain(page.final_url):
            return declared
        return page.final_url

    def _already_stored(self, page: Page, canonical: str) -> bool:
        """Seen now though not when requested: another URL of this run stored the same article
        (the seen check also sees the uncommitted pages of the current write batch)."""
        recorder = self.recorder
        source = getattr(self.crawler.spider, "sources", {}).get(page.source)
        if recorder.recrawl or (source and source.recrawl) or not recorder.kb.is_seen(canonical):
            return False
        recorder.batch.begin()
        recorder.kb.mark_seen(page.url, source=page.source, status="stored", run_id=recorder.run_id)
        recorder.count_stored("skipped_seen")
        return True

    def store(self, page: Page, cleaned: dict, page_url: str, url: str) -> None:
        """Write one cleaned page (`page_url`: its own URL, `url`: that URL's canonical form)."""
        recorder, kb = self.recorder, self.recorder.kb
        spider = self.crawler.spider
        source = getattr(spider, "sources", {}).get(page.source)
        if self._already_stored(page, url):       # again: others were stored while this one was cleaned
            return

        article = dict(cleaned["article"])            # extract.clean.Article as a dict
        site_crawl = getattr(spider, "start_kind", "") == "site"
        # A headline without a body (a wire flash) is stored with its title and an empty text,
        # when a feed, sitemap or URL named the page; a site crawl's listing pages are not articles.
        headline_only = not (article.get("text") or "").strip() and bool((article.get("title") or "").strip())
        if article.get("error") or not (article.get("text") or "").strip() and (site_crawl or not headline_only):
            reason = f"no article text: {article.get('error') or 'empty'}"
            if site_crawl:
                recorder.count_stored("pages_skipped")     # listing pages of a site crawl are expected
                kb.mark_seen(url, source=page.source, status="skipped", reason=reason, run_id=recorder.run_id)
            else:
                recorder.failure(page.url, reason, source=page.source, permanent=True)
            return

        entry = page.entry
        candidates = [("meta", article.get("published"))]
        if entry is not None:
            candidates.append((entry.origin or "feed", entry.published))
            candidates.append(("sitemap", entry.lastmod))
        article["published"], article["published_source"] = dates.choose_published(candidates)
        article["canonical_url"] = url
        article["url"] = page_url

        match = self.index.match_signature(url, cleaned["signature"])
        article_id = kb.save_article(
            article,
            source=page.source,
            tier=source.tier if source else None,
            fetched_at=page.fetched_at,
            html=page.html if self.keep_html else None,
            entry=entry.to_dict() if entry is not None else None,
            content_hash=match.content_hash,
            story_id=match.story_id if match.kind != "new" else None,
            run_id=recorder.run_id,
        )
        if match.kind != "new" and match.matched_article == article_id:
            match.kind, match.story_id = "new", self.index.story_for(article_id, article_id)
        story_id = match.story_id if match.kind != "new" else self.index.story_for(article_id, article_id)
        kb.save_signature(article_id, story_id, match.signature)
        self.index.add(article_id, story_id, match)
        for fetched in {page.url, page.final_url} - {article["url"]}:   # redirects, AMP variants
            kb.mark_seen(fetched, source=page.source, status="stored", run_id=recorder.run_id)
        # Counted when the batch holding these writes commits.
        recorder.count_stored("articles_new" if match.kind == "new" else "duplicates")
        if match.kind == "near":
            recorder.count_stored("near_duplicates")
        if match.kind == "exact":
            recorder.count_stored("exact_duplicates")
