"""Page → stored article. Thin: each step is another module's public function.

canonical URL → seen? → extract.clean.clean_html → published date → dedupe → kb.save_article
(+ signature). Extraction (spaCy) is not done here: it runs after the crawl over the
articles not yet extracted.
"""
from __future__ import annotations

import logging

from crawler import dates, guard
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

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self):
        self.index = StoryIndex()
        loaded = self.index.load(self.recorder.kb.story_signatures())
        logger.info("story index: %d signatures loaded", loaded)

    def process_item(self, item):
        if not isinstance(item, Page):
            return item
        try:
            self.store(item)
        except Exception as exc:  # one bad page never stops the run
            logger.exception("storing %s", item.url)
            self.recorder.failure(item.url, f"store: {type(exc).__name__}: {exc}", source=item.source)
        return item

    def store(self, page: Page) -> None:
        from extract.clean import clean_html

        recorder, kb = self.recorder, self.recorder.kb
        spider = self.crawler.spider
        source = getattr(spider, "sources", {}).get(page.source)
        url = canonical_url(page.final_url)
        declared = link_canonical(page.html, page.final_url)
        # A canonical link to another outlet marks a syndicated copy: keep this outlet's URL
        # so the copy is stored and linked to the story instead of vanishing.
        if declared and guard.source_domain(declared) == guard.source_domain(page.final_url):
            url = canonical_url(declared)
        # Seen now though not when requested: another URL of this run stored the same article.
        if not recorder.recrawl and kb.is_seen(url):
            recorder.count("skipped_seen")
            kb.mark_seen(page.url, source=page.source, status="stored", run_id=recorder.run_id)
            return

        article = clean_html(page.html, url=page.final_url)
        if article.error or not (article.text or "").strip():
            reason = f"no article text: {article.error or 'empty'}"
            if getattr(spider, "start_kind", "") == "site":
                recorder.count("pages_skipped")       # listing pages of a site crawl are expected
                kb.mark_seen(url, source=page.source, status="skipped", reason=reason, run_id=recorder.run_id)
            else:
                recorder.failure(page.url, reason, source=page.source, permanent=True)
            return

        entry = page.entry
        candidates = [("meta", article.published)]
        if entry is not None:
            candidates.append((entry.origin or "feed", entry.published))
            candidates.append(("sitemap", entry.lastmod))
        article.published, article.published_source = dates.choose_published(candidates)
        article.canonical_url = url
        article.url = page.final_url

        match = self.index.match(url, article.text)
        article_id = kb.save_article(
            article.to_dict(),
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
            match.kind, match.story_id = "new", self.index.story_of.get(article_id, article_id)
        story_id = match.story_id if match.kind != "new" else self.index.story_of.get(article_id, article_id)
        kb.save_signature(article_id, story_id, match.signature)
        self.index.add(article_id, story_id, match)
        if page.url != page.final_url:
            kb.mark_seen(page.url, source=page.source, status="stored", run_id=recorder.run_id)
        recorder.count("articles_new" if match.kind == "new" else "duplicates")
        if match.kind == "near":
            recorder.count("near_duplicates")
        if match.kind == "exact":
            recorder.count("exact_duplicates")
