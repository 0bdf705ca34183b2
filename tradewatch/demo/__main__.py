"""`python -m tradewatch.demo [--port N] [--scale N] [--batch N]`: serve the demo site."""
import argparse

from tradewatch.demo.server import serve_forever

parser = argparse.ArgumentParser(prog="python -m tradewatch.demo", description=__doc__)
parser.add_argument("--port", type=int, default=8765, help="port on 127.0.0.1 (0: any free port)")
parser.add_argument("--scale", type=int, default=0, help="also serve N generated pages")
parser.add_argument("--batch", type=int, default=None, help="only hand-written batches up to N")
args = parser.parse_args()
serve_forever(args.port, args.scale, batch=args.batch)
