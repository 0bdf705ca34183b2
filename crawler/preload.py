"""Imported once by the forkserver that forks crawl processes (see crawler.run): the slow
imports, so each crawl starts in a fraction of a second. Nothing here may install a Twisted
reactor (Scrapy installs the asyncio one in the child)."""
import feedparser  # noqa: F401
import numpy  # noqa: F401
import scrapy  # noqa: F401
import scrapy.crawler  # noqa: F401
import scrapy.downloadermiddlewares.retry  # noqa: F401
import scrapy.linkextractors  # noqa: F401
import sqlite_utils  # noqa: F401
from datasketch import MinHash  # noqa: F401

import crawler.dedupe  # noqa: F401
import crawler.parsing  # noqa: F401
import extract.clean  # noqa: F401 - trafilatura, for inline cleaning
import core.store  # noqa: F401

import sys as _sys

assert "twisted.internet.reactor" not in _sys.modules, "preload must not install a reactor"
