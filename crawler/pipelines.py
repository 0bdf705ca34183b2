"""Page → stored article. Thin: each step is another module's public function.

canonical URL → seen? → extract.clean.clean_html → published date → dedupe → kb.save_article
(+ signature). Extraction (spaCy) is not done here: it runs after the crawl over the
articles not yet extracted.
"""
from __future__ import annotations

import logging

from crawler import dates, guard
from crawler.cleaning import Cleaner
from crawler.dedupe import StoryIndex
from crawler.extensions import RunRecorder
from crawler.items import Page
from crawler.urls import canonical_url, link_canonical

logger = logging.getLogger(__name__)


class ArticlePipeline:
    def __init__(self, crawler):
        self.crawler = crawler
        self.recorder = RunRecorder.of(crawler)
        self.keep_html = crawler.settings.getbool("TRADEWATCH_KEEP_HTML", True)
        self.index: StoryIndex | None = None
        self.cleaner: Cleaner | None = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self):
        settings = self.crawler.settings
        self.cleaner = Cleaner(settings.getint("TRADEWATCH_CLEAN_WORKERS", 1),
                               settings.get("TRADEWATCH_CLEAN_FUNCTION", "crawler.cleaning.clean_page"))
        self.index = StoryIndex()
        loaded = self.index.load(self.recorder.kb.story_signatures())
        logger.info("story index: %d signatures loaded", loaded)

    def close_spider(self):
        if self.cleaner is not None:
            self.cleaner.close()

    async def process_item(self, item):
        if not isinstance(item, Page):
            return item
        try:
            if self._already_stored(item):
                return item
            cleaned = await self.cleaner.clean(item.html, item.final_url)
            self.store(item, cleaned)
        except Exception as exc:  # one bad page never stops the run
            logger.exception("storing %s", item.url)
            self.recorder.failure(item.url, f"store: {type(exc).__name__}: {exc}", source=item.source)
        return item

    def _canonical(self, page: Page) -> str:
        return canonical_url(self._page_url(page))

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

    def _already_stored(self, page: Page) -> bool:
        """Seen now though not when requested: another URL of this run stored the same article."""
        recorder = self.recorder
        source = getattr(self.crawler.spider, "sources", {}).get(page.source)
        if recorder.recrawl or (source and source.recrawl) or not recorder.kb.is_seen(self._canonical(page)):
            return False
        recorder.count("skipped_seen")
        recorder.kb.mark_seen(page.url, source=page.source, status="stored", run_id=recorder.run_id)
        return True

    def store(self, page: Page, cleaned: dict) -> None:
        recorder, kb = self.recorder, self.recorder.kb
        spider = self.crawler.spider
        source = getattr(spider, "sources", {}).get(page.source)
        url = self._canonical(page)
        if self._already_stored(page):       # again: others were stored while this one was cleaned
            return

        article = dict(cleaned["article"])            # extract.clean.Article as a dict
        if article.get("error") or not (article.get("text") or "").strip():
            reason = f"no article text: {article.get('error') or 'empty'}"
            if getattr(spider, "start_kind", "") == "site":
                recorder.count("pages_skipped")       # listing pages of a site crawl are expected
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
        article["url"] = self._page_url(page)

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
        recorder.count("articles_new" if match.kind == "new" else "duplicates")
        if match.kind == "near":
            recorder.count("near_duplicates")
        if match.kind == "exact":
            recorder.count("exact_duplicates")
