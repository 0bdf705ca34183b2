"""Typed, validated configuration: types and vocabularies checked at load, one line per problem."""
from __future__ import annotations

import tomllib

import pytest

from core.config import (DEFAULT_CONFIG_FILE, Config, ConfigError, FigureRule, Source, Watchlist, default_config_path,
                         load_config, parse_config)

SOURCE = '[[sources]]\nname = "wire"\nkind = "feed"\nurls = ["https://news.example.org/rss.xml"]\n'
WATCHLIST = '[[watchlists]]\nname = "w"\n'


def refused(text: str) -> str:
    with pytest.raises(ConfigError) as caught:
        parse_config(tomllib.loads(text))
    message = str(caught.value)
    assert "\n" not in message
    return message


@pytest.mark.parametrize("text, names", [
    (SOURCE.replace('["https://news.example.org/rss.xml"]', '"https://news.example.org/rss.xml"'),
     ["sources[0] (wire).urls", '"https://news.example.org/rss.xml"', "expected a list", 'urls = ["']),
    ('[crawl]\nmax_page_bytes = "lots"\n', ["crawl.max_page_bytes", '"lots"', "whole number", "5242880"]),
    (WATCHLIST + 'figure_rules = [{kind = "money", min_value = "abc"}]\n',
     ["watchlists[0] (w).figure_rules[0].min_value", '"abc"', "expected a number"]),
    (WATCHLIST + 'figure_rules = [{kind = "bananas"}]\n', ["figure_rules[0].kind", '"bananas"', "money"]),
    (WATCHLIST + 'statuses = ["in-effect"]\n', ["statuses[0]", '"in-effect"', "in_effect"]),
    (WATCHLIST + 'event_types = ["tarif"]\n', ["event_types[0]", '"tarif"', "tariff"]),
    (WATCHLIST + 'countries = ["Atlantis"]\n', ["countries[0]", '"Atlantis"']),
    (WATCHLIST + 'countries = ["by:US"]\n', ["countries[0]", "actor:NAME"]),
    (WATCHLIST + 'hs_chapters = ["00"]\n', ["hs_chapters[0]", "'00'"]),
    (WATCHLIST + 'email = ["not-an-address"]\n', ["email[0]", "not-an-address"]),
    (SOURCE + 'tier = "tabloid"\n', ["sources[0] (wire).tier", '"tabloid"', "wire, government"]),
    (SOURCE.replace('"feed"', '"newsletter"'), ["kind", '"newsletter"', "feed, sitemap, site"]),
    (SOURCE.replace("https://", "ftp://"), ["urls[0]", "ftp://news.example.org/rss.xml", "http(s)"]),
    (SOURCE.replace('urls = ["https://news.example.org/rss.xml"]', "urls = []"), ["urls", "at least one"]),
    (SOURCE + 'allow = ["(["]\n', ["allow[0]", "regular expression"]),
    (SOURCE + "depth = -1\n", ["depth", "-1"]),
    (SOURCE + "rate = 0\n", ["rate", "greater than 0"]),
    (SOURCE + 'mirror_of = "https://news.example.org/path"\n', ["mirror_of", "origin"]),
    ("[crawl]\nallow_private = 1\n", ["crawl.allow_private", "true or false"]),
    ("[crawl]\ndownload_delay = -1\n", ["download_delay", "greater than or equal to 0"]),
    ('[smtp]\nsecurity = "tls"\n', ["smtp.security", '"tls"', "starttls"]),
    ("[smtp]\nport = 70000\n", ["smtp.port", "70000"]),
    ('[smtp]\npassword = "x"\n', ["smtp", "unknown key 'password'", "known keys"]),
    ('databse = "x.db"\n', ["unknown key 'databse'", "known keys"]),
    ('datasette_url = "localhost:8001"\n', ["datasette_url", "http(s)"]),
    ('crawl = "fast"\n', ["crawl", "a string", "table"]),
    (SOURCE.replace('name = "wire"\n', ""), ["sources[0]", "'name' is missing"]),
    (SOURCE + SOURCE, ["sources", '"wire"', "more than once"]),
    (WATCHLIST + WATCHLIST, ["watchlists", '"w"', "more than once"]),
])
def test_a_bad_value_is_refused_naming_key_and_value(text, names):
    message = refused(text)
    for name in names:
        assert name in message, message


def test_good_values_load_with_their_types():
    config = parse_config(tomllib.loads(
        SOURCE + 'rate = 2\nmirror_of = "HTTPS://News.Example.org"\n' + WATCHLIST +
        'countries = ["US", "actor:China", "target:EU"]\nhs_chapters = [72, "7"]\nstatuses = ["in_effect"]\n'
        'figure_rules = [{kind = "percent", min_value = 10}]\n[crawl]\ndownload_delay = 1\n'))
    source, watchlist = config.sources[0], config.watchlists[0]
    assert isinstance(source, Source) and source.rate == 2.0 and source.mirror_of == "https://news.example.org"
    assert watchlist.hs_chapters == ["72", "07"] and watchlist.countries == ["US", "actor:China", "target:EU"]
    assert watchlist.figure_rules == [FigureRule(kind="percent", min_value=10.0)]
    assert config.crawl.download_delay == 1.0


def test_the_url_shorthand_is_one_more_url():
    config = parse_config(tomllib.loads('[[sources]]\nname = "w"\nkind = "feed"\nurl = "https://a.example.org/f"\n'))
    assert config.sources[0].urls == ["https://a.example.org/f"]


def test_the_types_stay_plain_dataclasses_for_the_rest_of_the_code():
    """Built in code (ad hoc sources, tests, the demo) without validation; mutable; dicts across processes."""
    source = Source(name="adhoc:x", kind="any", urls=[])
    source.urls.append("https://x.example.org/")
    assert Source.coerce(source.to_dict()) == source
    config = Config(watchlists=[Watchlist(name="all")])
    config.db = "other.db"
    assert config.watchlist("all").name == "all"


def test_a_config_file_that_is_not_utf8_is_one_line(tmp_path):
    path = tmp_path / "tw.toml"
    path.write_bytes(b'db = "kb.db"\n# caf\xe9\n')
    with pytest.raises(ConfigError, match=r"not UTF-8 text \(byte 0xe9 on line 2\)"):
        load_config(path)


def test_file_problems_name_the_file(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "missing.toml")
    with pytest.raises(ConfigError, match="is a directory"):
        load_config(tmp_path)
    (tmp_path / "bad.toml").write_text('[crawl]\nmax_page_bytes = "lots"\n')
    with pytest.raises(ConfigError, match=r"bad\.toml: crawl\.max_page_bytes"):
        load_config(tmp_path / "bad.toml")


def test_the_working_directory_config_is_found(tmp_path):
    assert default_config_path(tmp_path) is None
    (tmp_path / DEFAULT_CONFIG_FILE).write_text(SOURCE)
    assert default_config_path(tmp_path) == tmp_path / DEFAULT_CONFIG_FILE
    assert load_config(default_config_path(tmp_path)).sources[0].name == "wire"


def test_the_example_config_is_valid():
    from pathlib import Path
    load_config(Path(__file__).resolve().parents[2] / "tradewatch.example.toml")
