"""`tradewatch demo-site`: serve the embedded demo site on 127.0.0.1."""
from __future__ import annotations

import click

from tradewatch.demo.server import serve_forever


@click.command("demo-site")
@click.option("--port", type=int, default=8800, show_default=True, help="Port on 127.0.0.1 (0 = any free port).")
@click.option("--scale", type=int, default=0, show_default=True, help="Also serve N generated pages (benchmarks).")
def demo_site_command(port: int, scale: int) -> None:
    """Serve the demo trade-news site (articles, RSS/Atom feeds, news sitemap) until Ctrl-C."""
    serve_forever(port=port, scale=scale)


