"""Routes of the demo site: URL path → rendered page, feed or sitemap.

Everything is rendered from `site/templates/` with the server's base URL, so feeds and
sitemaps always point back at the server that serves them.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import format_datetime

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from tradewatch.demo.content import DemoContent
from tradewatch.demo.manifest import SITE_DIR, DemoArticle
from tradewatch.demo.generate import scaled_published

PAGE_SIZE = 25               # stories per front-page/archive page
SITEMAP_PAGE_SIZE = 1000     # URLs per scaled sitemap page
FEED_PAGE_SIZE = 500         # items per scaled feed page
EPOCH = datetime(2026, 1, 1, tzinfo=timezone.utc)

HTML = "text/html; charset=utf-8"
RSS = "application/rss+xml; charset=utf-8"
ATOM = "application/atom+xml; charset=utf-8"
XML = "application/xml; charset=utf-8"
TEXT = "text/plain; charset=utf-8"
CSS = "text/css; charset=utf-8"


@dataclass
class Response:
    status: int
    content_type: str
    body: bytes
    last_modified: datetime | None = None


def _iso(value: datetime) -> str:
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _human(value: datetime) -> str:
    return value.astimezone(timezone.utc).strftime("%-d %B %Y, %H:%M GMT")


def _human_date(value: datetime) -> str:
    return value.astimezone(timezone.utc).strftime("%-d %B %Y")


def _cdata(text: str) -> Markup:
    # "]]>" would end the section early; split it across two sections.
    return Markup("<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>")


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(SITE_DIR / "templates"),
        autoescape=select_autoescape(["html", "xml"]),
        trim_blocks=False, keep_trailing_newline=True,
    )
    env.filters.update(iso=_iso, human=_human, human_date=_human_date, cdata=_cdata,
                       rfc822=lambda value: format_datetime(value.astimezone(timezone.utc), usegmt=True))
    return env


class DemoPages:
    """Renders any path of the site for one base URL (e.g. http://127.0.0.1:8123)."""

    def __init__(self, content: DemoContent, base_url: str):
        self.content = content
        self.base = base_url.rstrip("/")
        self.env = _environment()
        self._cache: dict[str, Response] = {}
        self._cache_version = -1
        self._routes = [
            (re.compile(r"/(?:index\.html)?"), self._front),
            (re.compile(r"/archive/(\d+)\.html"), self._archive),
            (re.compile(r"/section/([a-z-]+)/(?:index\.html)?"), self._section),
            (re.compile(r"/about\.html"), self._about),
            (re.compile(r"/private/(?:index\.html)?"), self._private_index),
            (re.compile(r"/private/embargoed-draft\.html"), self._private_draft),
            (re.compile(r"/robots\.txt"), self._robots),
            (re.compile(r"/static/site\.css"), self._css),
            (re.compile(r"/feed\.xml"), self._rss),
            (re.compile(r"/atom\.xml"), self._atom),
            (re.compile(r"/news-sitemap\.xml"), self._news_sitemap),
            (re.compile(r"/sitemap-index\.xml"), self._sitemap_index),
            (re.compile(r"/sitemaps/scaled-(\d+)\.xml"), self._scaled_sitemap),
            (re.compile(r"/scaled/feed-(\d+)\.xml"), self._scaled_feed),
        ]

    # -- entry point -------------------------------------------------------------------
    def get(self, path: str) -> Response:
        """The response for a URL path (query already removed)."""
        article = self.content.find(path)
        if article is not None:
            if article.generated:
                return self._article(article)
            return self._cached(path, lambda: self._article(article))
        for pattern, handler in self._routes:
            match = pattern.fullmatch(path)
            if match:
                response = handler(*match.groups())
                if response is not None:
                    return response
        return self._not_found()

    def _cached(self, key: str, build) -> Response:
        # Hand-written pages only change when the live set does (publish_batch, add_articles).
        if self._cache_version != self.content.version:
            self._cache, self._cache_version = {}, self.content.version
        if key not in self._cache:
            self._cache[key] = build()
        return self._cache[key]

    # -- helpers -----------------------------------------------------------------------
    def _render(self, template: str, **context) -> bytes:
        context.setdefault("site", self.content.info)
        context.setdefault("base", self.base)
        context.setdefault("sections", list(self.content.info.sections.items()))
        return self.env.get_template(template).render(**context).encode("utf-8")

    def _page(self, heading: str, body: str, status: int = 200, robots: str = "index, follow") -> Response:
        html = self._render("page.html", heading=heading, body=body, robots=robots)
        return Response(status, HTML, html)

    def _site_file(self, relative: str) -> str:
        return (SITE_DIR / relative).read_text(encoding="utf-8")

    def _newest(self, articles: list[DemoArticle]) -> datetime:
        return max((a.last_modified for a in articles), default=EPOCH)

    def _not_found(self) -> Response:
        return self._page("Page not found", "<p>Sorry, we could not find that page.</p>", 404, "noindex")

    # -- HTML pages --------------------------------------------------------------------
    def _article(self, article: DemoArticle) -> Response:
        live = self.content.listed()
        same_section = [a for a in live if a.section == article.section and a.path != article.path]
        related = (same_section + [a for a in live if a not in same_section and a.path != article.path])[:3]
        if article.generated and article.path.startswith("/scaled/"):
            n = int(article.path.rsplit("/", 1)[1].split(".")[0])
            related = [self.content.scaled_article(m) for m in (n + 1, n + 2) if m <= self.content.scale] + related[:1]
        url = self.base + article.path
        json_ld = {
            "@context": "https://schema.org", "@type": "NewsArticle", "headline": article.title,
            "description": article.summary, "mainEntityOfPage": url,
            "datePublished": _iso(article.published), "dateModified": _iso(article.last_modified),
            "author": [{"@type": "Person", "name": article.author}],
            "publisher": {"@type": "Organization", "name": article.outlet_name},
            "articleSection": self.content.info.sections[article.section],
            "keywords": list(article.categories),
        }
        html = self._render(
            "article.html", article=article, url=url, outlet=article.outlet_name,
            section_name=self.content.info.sections[article.section], body=article.body_html,
            related=related, most_read=live[:5],
            # "</" inside a script block would end it early; JSON allows the escaped form.
            json_ld=json.dumps(json_ld, ensure_ascii=False).replace("</", "<\\/"),
        )
        return Response(200, HTML, html, article.last_modified)

    def _listing_items(self, start: int, stop: int) -> tuple[list[DemoArticle], int]:
        """Slice [start, stop) of everything listed, scaled pages after the rest."""
        listed = self.content.listed()
        total = len(listed) + self.content.scale
        items = listed[start:stop]
        first_scaled = max(start - len(listed), 0) + 1
        last_scaled = min(stop - len(listed), self.content.scale)
        items += [self.content.scaled_article(n) for n in range(first_scaled, last_scaled + 1)]
        return items, total

    def _listing(self, page: int) -> Response | None:
        items, total = self._listing_items((page - 1) * PAGE_SIZE, page * PAGE_SIZE)
        if page > 1 and not items:
            return None
        newer = None if page == 1 else ("/" if page == 2 else f"/archive/{page - 1}.html")
        older = f"/archive/{page + 1}.html" if page * PAGE_SIZE < total else None
        heading = "Latest trade news" if page == 1 else f"Archive, page {page}"
        url = self.base + ("/" if page == 1 else f"/archive/{page}.html")
        html = self._render("listing.html", heading=heading, items=items, url=url, newer=newer, older=older)
        return Response(200, HTML, html, self._newest(items))

    def _front(self) -> Response:
        return self._cached("/", lambda: self._listing(1))

    def _archive(self, page: str) -> Response | None:
        number = int(page)
        return self._listing(number) if number >= 2 else None

    def _section(self, slug: str) -> Response | None:
        if slug not in self.content.info.sections:
            return None
        items = [a for a in self.content.listed() if a.section == slug]
        url = f"{self.base}/section/{slug}/"
        html = self._render("listing.html", heading=self.content.info.sections[slug], items=items,
                            url=url, newer=None, older=None)
        return Response(200, HTML, html, self._newest(items))

    def _about(self) -> Response:
        return self._page("About The Tariff Ledger", self._site_file("pages/about.html"))

    def _private_index(self) -> Response:
        return self._page("Staff area", self._site_file("pages/private-index.html"), robots="noindex, nofollow")

    def _private_draft(self) -> Response:
        return self._page("Embargoed draft", self._site_file("pages/private-draft.html"), robots="noindex, nofollow")

    def _robots(self) -> Response:
        return Response(200, TEXT, self._render("robots.txt"), EPOCH)

    def _css(self) -> Response:
        return Response(200, CSS, (SITE_DIR / "static" / "site.css").read_bytes(), EPOCH)

    # -- feeds and sitemaps ------------------------------------------------------------
    def _rss(self) -> Response:
        items = self.content.listed()
        body = self._render("rss.xml", title=f"{self.content.info.name} – latest stories", items=items,
                            self_url=f"{self.base}/feed.xml", next_url=None, updated=self._newest(items))
        return Response(200, RSS, body, self._newest(items))

    def _atom(self) -> Response:
        items = self.content.listed()
        body = self._render("atom.xml", title=self.content.info.name, items=items,
                            self_url=f"{self.base}/atom.xml", updated=self._newest(items))
        return Response(200, ATOM, body, self._newest(items))

    def _news_sitemap(self) -> Response:
        items = self.content.listed()
        return Response(200, XML, self._render("news-sitemap.xml", items=items), self._newest(items))

    def scaled_sitemap_pages(self) -> int:
        return -(-self.content.scale // SITEMAP_PAGE_SIZE)

    def scaled_feed_pages(self) -> int:
        return -(-self.content.scale // FEED_PAGE_SIZE)

    def _scaled_range(self, page: int, size: int) -> range:
        return range((page - 1) * size + 1, min(page * size, self.content.scale) + 1)

    def _sitemap_index(self) -> Response:
        listed = self.content.listed()
        sitemaps = [("/news-sitemap.xml", self._newest(listed))]
        for page in range(1, self.scaled_sitemap_pages() + 1):
            newest = scaled_published(self._scaled_range(page, SITEMAP_PAGE_SIZE)[0])
            sitemaps.append((f"/sitemaps/scaled-{page}.xml", newest))
        return Response(200, XML, self._render("sitemap-index.xml", sitemaps=sitemaps), self._newest(listed))

    def _scaled_sitemap(self, page: str) -> Response | None:
        number = int(page)
        numbers = self._scaled_range(number, SITEMAP_PAGE_SIZE) if number >= 1 else range(0)
        if not numbers:
            return None
        # Dates of scaled pages follow from n alone, so no page needs building here.
        urls = [(f"/scaled/{n}.html", scaled_published(n)) for n in numbers]
        return Response(200, XML, self._render("sitemap.xml", urls=urls), urls[0][1])

    def _scaled_feed(self, page: str) -> Response | None:
        number = int(page)
        numbers = self._scaled_range(number, FEED_PAGE_SIZE) if number >= 1 else range(0)
        if not numbers:
            return None
        items = [self.content.generator.article(n, kind="scaled") for n in numbers]
        next_url = f"{self.base}/scaled/feed-{number + 1}.xml" if number < self.scaled_feed_pages() else None
        body = self._render("rss.xml", title=f"{self.content.info.name} – archive feed, page {number}",
                            items=items, self_url=f"{self.base}/scaled/feed-{number}.xml",
                            next_url=next_url, updated=items[0].published)
        return Response(200, RSS, body, items[0].published)
