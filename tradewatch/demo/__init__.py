"""The embedded demo news site: self-written trade stories, feeds and sitemaps over local HTTP.

`DemoSite` serves it on 127.0.0.1 (see server.py for usage); `serve_forever` backs
`tradewatch demo-site`. Content lives in site/ (manifest.toml + article fragments).
"""
from tradewatch.demo.content import DemoContent
from tradewatch.demo.manifest import DemoArticle, DemoSiteError, detect_artifacts, load_manifest
from tradewatch.demo.server import DemoSite, RequestRecord, serve_forever

__all__ = ["DemoArticle", "DemoContent", "DemoSite", "DemoSiteError", "RequestRecord",
           "detect_artifacts", "load_manifest", "serve_forever"]
