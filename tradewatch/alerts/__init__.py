"""Alerts: watchlists → digests (Markdown, HTML, Atom, SMTP) of what is new in the knowledge base.

    from tradewatch.alerts import build_digest, render_markdown, run_digests

    digest = build_digest(db, watchlist, since=None, datasette_url=..., db_name="tradewatch")
        # db: sqlite_utils.Database of the knowledge base (kb.db); watchlist: config.Watchlist
        # (default ALL = everything); since: ISO date → everything published since, state untouched
    render_markdown(digest) / render_html(digest) / render_atom_digest(digest) -> str
    record(db, digest) -> digest_id            # reserve its items (never again) and keep it pending
    run_digests(db, config, out_dir, watchlists=None, mail=True) -> [DigestResult]
        # the daily job's step: deliver pending digests, then one digest per watchlist:
        # files under out_dir/<watchlist>/, <watchlist>.atom, mail to watchlist.email

Modules: model (values), reader (all SQL), matching, wording (data/*.csv|toml), ranking,
digest (building), render (+ templates/), state (digests_sent, digests), mail, deliver.
"""
from tradewatch.alerts.deliver import DigestResult, record, run_digests  # noqa: F401
from tradewatch.alerts.digest import ALL, Digest, build_digest  # noqa: F401
from tradewatch.alerts.render import render_atom, render_atom_digest, render_html, render_markdown  # noqa: F401
