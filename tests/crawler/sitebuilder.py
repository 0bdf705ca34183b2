"""Builds small test sites (articles, RSS/Atom feeds, sitemaps) on a FaultServer."""
from __future__ import annotations

import json
from email.utils import format_datetime
from datetime import datetime, timedelta, timezone
from pathlib import Path
from xml.sax.saxutils import escape

from tests.crawler.faultserver import html_page

ARTICLES = json.loads((Path(__file__).parent / "fixtures" / "articles.json").read_text(encoding="utf-8"))
BASE_DATE = datetime(2025, 3, 10, 8, 30, tzinfo=timezone.utc)


def add_articles(server, prefix: str = "/news", articles=ARTICLES, **page_kwargs) -> list[str]:
    urls = []
    for article in articles:
        path = f"{prefix}/{article['slug']}.html"
        urls.append(server.route(path, html_page(article["title"], article["paragraphs"], **page_kwargs)))
    return urls


def rss(items: list[dict], title: str = "Test trade feed", link: str = "") -> str:
    parts = []
    for i, item in enumerate(items):
        when = item.get("published") or format_datetime(BASE_DATE + timedelta(hours=i))
        cats = "".join(f"<category>{escape(c)}</category>" for c in item.get("categories", []))
        parts.append(
            f"<item><title>{escape(item['title'])}</title><link>{escape(item['url'])}</link>"
            f"<description>{escape(item.get('summary', 'Summary'))}</description>"
            f"<pubDate>{when}</pubDate><author>desk@example.org (Trade desk)</author>{cats}</item>"
        )
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{escape(title)}</title>'
            f"<link>{escape(link)}</link><description>test</description>{''.join(parts)}</channel></rss>")


def news_sitemap(items: list[dict]) -> str:
    parts = []
    for item in items:
        news = ""
        if item.get("published"):
            news = (f"<news:news><news:publication><news:name>Test</news:name><news:language>en</news:language>"
                    f"</news:publication><news:publication_date>{item['published']}</news:publication_date>"
                    f"<news:title>{escape(item.get('title', ''))}</news:title></news:news>")
        lastmod = f"<lastmod>{item['lastmod']}</lastmod>" if item.get("lastmod") else ""
        parts.append(f"<url><loc> {escape(item['url'])} </loc>{lastmod}{news}</url>")
    return ('<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
            'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">' + "".join(parts) + "</urlset>")


def sitemap_index(urls: list[str]) -> str:
    return ('<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            + "".join(f"<sitemap><loc>{escape(u)}</loc></sitemap>" for u in urls) + "</sitemapindex>")


def feed_for(server, urls: list[str], path: str = "/feed.xml", articles=ARTICLES, **kwargs) -> str:
    items = [{"title": a["title"], "url": u} for a, u in zip(articles, urls)]
    return server.route(path, rss(items), content_type="application/rss+xml", **kwargs)
