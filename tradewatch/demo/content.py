"""What the demo site shows right now: the manifest's articles and which of them are live.

`DemoContent` serves the articles of the published batches, any extra "new" articles, and
(for benchmarks) `scale` generated pages that are built on request, never stored. The
hand-written stories and their metadata come from `manifest`, the generated ones from
`generate`.
"""
from __future__ import annotations

import threading
from functools import lru_cache
from pathlib import Path

from tradewatch.demo.generate import ArticleGenerator
from tradewatch.demo.manifest import MANIFEST, DemoArticle, load_manifest


class DemoContent:
    """What the site shows right now. Thread-safe: the server reads while tests publish.

    - `batch`: serve hand-written articles with `batch <= batch` (None: all batches).
    - `extra_articles`: that many generated "new" articles at `/extra/<n>.html` (n from 1),
      dated after every hand-written one, listed in the feeds and the news sitemap.
    - `scale`: that many generated pages at `/scaled/<n>.html` (n from 1), listed in paged
      sitemaps and paged feeds, built on request.
    """

    def __init__(self, *, scale: int = 0, batch: int | None = None, extra_articles: int = 0,
                 manifest: Path = MANIFEST):
        if scale < 0 or extra_articles < 0:
            raise ValueError("scale and extra_articles must be >= 0")


        self.info, self.articles = load_manifest(manifest)
        self.scale = scale
        self._batch = batch
        self._extra = extra_articles
        self._lock = threading.Lock()
        self.version = 0
        self.generator = ArticleGenerator(self.articles)
        self._by_path = {a.path: a for a in self.articles}
        # Generated pages are cheap to rebuild; small caches cover re-fetches and the
        # extras that every listing includes.
        self.scaled_article = lru_cache(maxsize=512)(self._scaled_article)
        self.extra_article = lru_cache(maxsize=4096)(self._extra_article)

    # -- state that tests change between crawls --------------------------------------
    @property
    def batch(self) -> int | None:
        return self._batch

    @property
    def extra_articles(self) -> int:
        return self._extra

    def publish_batch(self, batch: int | None) -> None:
        """Make the articles of `batch` (and earlier) live; None makes every batch live."""
        with self._lock:
            self._batch = batch
            self.version += 1

    def add_articles(self, count: int = 1) -> list[DemoArticle]:
        """Publish `count` more generated articles; returns them."""
        if count < 1:
            raise ValueError("count must be >= 1")
        with self._lock:
            first = self._extra + 1
            self._extra += count
            self.version += 1
        return [self.extra_article(n) for n in range(first, first + count)]

    # -- what is live -----------------------------------------------------------------
    def live_base(self) -> list[DemoArticle]:
        """Hand-written articles of the published batches, newest first."""
        batch = self._batch
        live = [a for a in self.articles if batch is None or a.batch <= batch]
        return sorted(live, key=lambda a: a.published, reverse=True)

    def _extra_article(self, n: int) -> DemoArticle:
        return self.generator.article(n, kind="extra")

    def _scaled_article(self, n: int) -> DemoArticle:
        return self.generator.article(n, kind="scaled")

    def listed(self) -> list[DemoArticle]:
        """Everything the main feeds, news sitemap and front page list, newest first."""
        extras = [self.extra_article(n) for n in range(1, self._extra + 1)]
        return sorted(self.live_base() + extras, key=lambda a: a.published, reverse=True)

    def find(self, path: str) -> DemoArticle | None:
        """The live article served at `path`, or None."""
        article = self._by_path.get(path)
        if article is not None:
            return article if self._batch is None or article.batch <= self._batch else None
        for kind, limit in (("scaled", self.scale), ("extra", self._extra)):
            prefix = f"/{kind}/"
            if path.startswith(prefix) and path.endswith(".html"):
                number = path[len(prefix):-len(".html")]
                if number.isdigit() and not number.startswith("0") and 1 <= int(number) <= limit:
                    n = int(number)
                    return self.scaled_article(n) if kind == "scaled" else self.extra_article(n)
        return None

    def by_id(self, article_id: str) -> DemoArticle:
        for article in self.articles:
            if article.id == article_id:
                return article
        raise KeyError(article_id)
