"""The annotation format: quoted spans while annotating, character offsets when committed.

Annotators write *work files* (JSONL, kept outside the repository) in the GUIDELINES record
shape, quoting spans of the text:

    {"source": "reuters21578-trade", "id": "1234", "annotator": "a1",
     "figures":   [{"text": "3.5 mln dlrs", "kind": "money", "value": 3500000, "unit": "USD"}],
     "companies": [{"name": "Nippon Steel", "aliases": ["Nippon"]}],
     "events":    [{"type": "tariff", "actor": "US", "targets": ["JP"], "status": "announced",
                    "product": "semiconductors", "evidence": "quoted span stating the measure",
                    "mentions": ["other quoted spans stating the same measure"]}]}

`import` turns every quoted span into `[start, end]` offsets into the document text
(`training.corpus_texts`), so the committed files under `corpus/annotations/` hold ids,
offsets and labels, never the words of a research-only corpus. `export` rebuilds the
GUIDELINES records (with words) in memory for scoring and training.

    python -m training.annotations text  SOURCE ID [ID ...]     print articles to annotate
    python -m training.annotations batch FILE                    print every article a batch file lists
    python -m training.annotations check WORKFILE [...]          validate a work file, list every problem
    python -m training.annotations import WORKFILE --out FILE    validate, then write offsets (merging by key)
    python -m training.annotations export FILE [--out F]         offsets → GUIDELINES records with words
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Iterable

from training.corpus_texts import DEFAULT_SHARED, WRITTEN_FILE, WRITTEN_SOURCE, CorpusArticle, load_article

EVENT_TYPES = ("tariff", "trade_remedy", "export_control", "import_restriction", "sanction", "subsidy",
               "trade_agreement", "trade_dispute", "trade_legislation")
STATUSES = ("proposed", "threatened", "announced", "in_effect", "lifted", "investigating", "negotiating", "ruled")
FIGURE_KINDS = ("money", "percent", "quantity")
PERCENT_UNITS = ("percent", "pp")
# Quantity units seen in trade news; another unit is allowed but reported so it gets a second look.
KNOWN_QUANTITY_UNITS = {
    "tonne", "barrel", "barrel/day", "bushel", "bale", "ounce", "kg", "lb", "unit", "gallon", "litre",
    "cubic metre", "cubic foot", "short ton", "square foot", "litre", "quintal", "hectolitre", "foot", "head", "mw", "gw", "kwh", "mwh", "gwh", "twh", "bag", "carat", "hectare", "acre",
    "tonne/year", "tonne/day", "tonne/month", "barrel/year", "cubic metre/year", "cubic metre/day", "teu",
    "troy ounce", "square metre", "metre", "km", "mile", "bcf", "tcf", "bcm", "gram", "hectolitre",
}
SPECIAL_CODES = {"EU", "INTL"}
PERIODS = ("day", "week", "month", "year")


def _per_period(unit: str) -> bool:
    """"bushel/week": a known unit per day, week, month or year."""
    base, _, period = unit.rpartition("/")
    return period in PERIODS and (base in KNOWN_QUANTITY_UNITS or base.split("/")[0] in KNOWN_QUANTITY_UNITS)
_QUOTES = {"'": "['’‘`]", "’": "['’‘`]", "‘": "['’‘`]", '"': "[\"“”]", "“": "[\"“”]", "”": "[\"“”]",
           "-": "[-‐‑–—]", "–": "[-‐‑–—]", "—": "[-‐‑–—]"}


def _country_codes() -> set[str]:
    try:
        import pycountry
    except ImportError:  # the tool also runs on a bare python3: then only the shape is checked
        return set()
    return {c.alpha_2 for c in pycountry.countries} | {"XK"}


COUNTRY_CODES = _country_codes()


# --- spans --------------------------------------------------------------------------------
def _span_pattern(needle: str) -> str:
    parts = []
    for word in needle.split():
        parts.append("".join(_QUOTES.get(ch, re.escape(ch)) for ch in word))
    return r"\s+".join(parts)


def locate(needle: str, text: str, near: int = 0) -> tuple[int, int] | None:
    """Offsets of `needle` in `text`, any whitespace between its words; exact case preferred,
    then any case; the first match at or after `near`, else the first one."""
    needle = (needle or "").strip()
    if not needle:
        return None
    pattern = _span_pattern(needle)
    # "30 mln dlrs" must not land inside "230 mln dlrs": whole words at both edges.
    if re.match(r"\w", needle):
        pattern = r"(?<!\w)" + pattern
    if re.search(r"\w$", needle):
        pattern += r"(?!\w)"
    for flags in (0, re.IGNORECASE):
        matches = list(re.finditer(pattern, text, flags))
        if matches:
            after = [m for m in matches if m.start() >= near]
            match = (after or matches)[0]
            return match.start(), match.end()
    return None


def span_text(text: str, span: list[int] | tuple[int, int]) -> str:
    return " ".join(text[span[0]:span[1]].split())


# --- validation + conversion --------------------------------------------------------------
class Problems(list):
    def add(self, key: str, message: str) -> None:
        self.append(f"{key}: {message}")


def _code_ok(code: object) -> bool:
    if not isinstance(code, str):
        return False
    if code in SPECIAL_CODES:
        return True
    if COUNTRY_CODES:
        return code in COUNTRY_CODES
    return bool(re.fullmatch(r"[A-Z]{2}", code))


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def _figure_problems(figure: dict, where: str, problems: Problems) -> None:
    kind, unit = figure.get("kind"), figure.get("unit")
    if kind not in FIGURE_KINDS:
        problems.add(where, f"kind {kind!r} is not one of {FIGURE_KINDS}")
    value = _number(figure.get("value"))
    if value is None or value < 0:
        problems.add(where, f"value {figure.get('value')!r} must be a non-negative number")
    if kind == "money" and not (isinstance(unit, str) and re.fullmatch(r"[A-Z]{3}", unit)):
        problems.add(where, f"money unit {unit!r} must be an ISO 4217 code such as USD")
    if kind == "percent" and unit not in PERCENT_UNITS:
        problems.add(where, f"percent unit {unit!r} must be 'percent' or 'pp'")
    if kind == "quantity":
        if not isinstance(unit, str) or unit != unit.lower() or not unit:
            problems.add(where, f"quantity unit {unit!r} must be a singular lowercase unit")
        elif unit not in KNOWN_QUANTITY_UNITS and not _per_period(unit):
            problems.add(where, f"quantity unit {unit!r} is unusual: check it (or add it to KNOWN_QUANTITY_UNITS)")


def _event_problems(event: dict, where: str, problems: Problems) -> None:
    if event.get("type") not in EVENT_TYPES:
        problems.add(where, f"type {event.get('type')!r} is not one of {EVENT_TYPES}")
    if event.get("status") not in STATUSES:
        problems.add(where, f"status {event.get('status')!r} is not one of {STATUSES}")
    if not _code_ok(event.get("actor")):
        problems.add(where, f"actor {event.get('actor')!r} must be an ISO 3166-1 alpha-2 code, EU or INTL")
    targets = event.get("targets", [])
    if not isinstance(targets, list) or not all(_code_ok(t) for t in targets):
        problems.add(where, f"targets {targets!r} must be a list of ISO alpha-2 codes, EU or INTL")


def to_offsets(work: dict, article: CorpusArticle) -> tuple[dict, Problems]:
    """A work-file record (quoted spans) → a committed record (offsets), and its problems."""
    text = article.text
    key = article.key
    problems = Problems()

    def find(needle: object, where: str, near: int = 0) -> list[int] | None:
        if not isinstance(needle, str) or not needle.strip():
            problems.add(where, "empty span")
            return None
        found = locate(needle, text, near)
        if found is None:
            problems.add(where, f"span not found in the text: {needle[:80]!r}")
            return None
        return list(found)

    record: dict = {"source": article.source, "id": article.id}
    for field in ("annotator", "reviewer", "pass"):
        if work.get(field):
            record[field] = work[field]
    figures = []
    for i, figure in enumerate(work.get("figures", [])):
        where = f"{key} figure {i} ({str(figure.get('text'))[:30]!r})"
        _figure_problems(figure, where, problems)
        span = find(figure.get("text"), where)
        if span:
            figures.append({"span": span, "kind": figure.get("kind"), "value": figure.get("value"),
                            "unit": figure.get("unit")})
    companies = []
    for i, company in enumerate(work.get("companies", [])):
        where = f"{key} company {i} ({str(company.get('name'))[:30]!r})"
        name = find(company.get("name"), where)
        aliases = [find(a, f"{where} alias") for a in company.get("aliases", [])]
        if name:
            companies.append({"name": name, "aliases": [a for a in aliases if a]})
    events = []
    for i, event in enumerate(work.get("events", [])):
        where = f"{key} event {i} ({event.get('type')}/{event.get('actor')})"
        _event_problems(event, where, problems)
        evidence = find(event.get("evidence"), f"{where} evidence")
        product = event.get("product") or ""
        product_span = None
        if product.strip():
            product_span = find(product, f"{where} product", evidence[0] if evidence else 0)
        mentions = [find(m, f"{where} mention") for m in event.get("mentions", []) or []]
        if evidence:
            events.append({"type": event.get("type"), "actor": event.get("actor"),
                           "targets": sorted(set(event.get("targets", []))), "status": event.get("status"),
                           "product": product_span, "evidence": evidence,
                           "mentions": [m for m in mentions if m]})
    record.update(figures=figures, companies=companies, events=events)
    return record, problems


def to_gold(record: dict, article: CorpusArticle) -> dict:
    """A committed record (offsets) → the GUIDELINES record with words, as the scorer reads it."""
    text = article.text
    return {
        "source": record["source"], "id": record["id"],
        "figures": [{"text": span_text(text, f["span"]), "kind": f["kind"], "value": f["value"], "unit": f["unit"]}
                    for f in record["figures"]],
        "companies": [{"name": span_text(text, c["name"]), "aliases": [span_text(text, a) for a in c["aliases"]]}
                      for c in record["companies"]],
        "events": [{"type": e["type"], "actor": e["actor"], "targets": e["targets"], "status": e["status"],
                    "product": span_text(text, e["product"]) if e.get("product") else "",
                    "evidence": span_text(text, e["evidence"]),
                    "mentions": [span_text(text, m) for m in e.get("mentions", [])]}
                   for e in record["events"]],
    }


# --- files --------------------------------------------------------------------------------
def read_jsonl(path: Path) -> list[dict]:
    rows = []
    with Path(path).open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError as error:
                    raise SystemExit(f"{path}:{number}: not JSON ({error})") from None
    return rows


def convert_file(path: Path, shared: Path) -> tuple[list[dict], Problems]:
    problems = Problems()
    records = []
    seen = set()
    for work in read_jsonl(path):
        source, ident = work.get("source"), str(work.get("id"))
        if (source, ident) in seen:
            problems.add(f"{source}:{ident}", "annotated twice in this file")
        seen.add((source, ident))
        if source == WRITTEN_SOURCE and isinstance(work.get("body"), str):
            # An article written for the project carries its own text until it is imported.
            article = CorpusArticle(source, ident, work.get("title", ""), work["body"])
            _written_problems(work, problems)
        else:
            try:
                article = load_article(source, ident, shared)
            except (KeyError, FileNotFoundError) as error:
                problems.add(f"{source}:{ident}", str(error))
                continue
        record, found = to_offsets(work, article)
        problems.extend(found)
        records.append(record)
    return records, problems


WRITTEN_FIELDS = ("id", "title", "body", "date", "style")


def _written_problems(work: dict, problems: Problems) -> None:
    key = f"{WRITTEN_SOURCE}:{work.get('id')}"
    if not re.fullmatch(r"w\d\d-\d\d", str(work.get("id"))):
        problems.add(key, "a written article's id looks like w01-07 (batch-number)")
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(work.get("date", ""))):
        problems.add(key, "a written article needs its publication date as YYYY-MM-DD")
    if len(str(work.get("body", "")).split()) < 60:
        problems.add(key, "body shorter than 60 words")


def written_articles(path: Path) -> list[dict]:
    """The article texts of a work file of written articles (what corpus/written/ keeps)."""
    return [{k: w[k] for k in WRITTEN_FIELDS if k in w} for w in read_jsonl(path)
            if w.get("source") == WRITTEN_SOURCE and isinstance(w.get("body"), str)]


def merge_into(out: Path, records: Iterable[dict]) -> int:
    """Write records into `out`, replacing earlier records of the same source + id."""
    existing = {(r["source"], str(r["id"])): r for r in read_jsonl(out)} if out.exists() else {}
    for record in records:
        existing[(record["source"], str(record["id"]))] = record
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as handle:
        for record in existing.values():
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    return len(existing)


def _print_article(article: CorpusArticle) -> None:
    print(f"===== {article.source} {article.id}")
    print(article.text)
    print()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training.annotations", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    commands = parser.add_subparsers(dest="command", required=True)
    text = commands.add_parser("text")
    text.add_argument("source")
    text.add_argument("ids", nargs="+")
    batch = commands.add_parser("batch")
    batch.add_argument("file", type=Path)
    check = commands.add_parser("check")
    check.add_argument("files", nargs="+", type=Path)
    imp = commands.add_parser("import")
    imp.add_argument("file", type=Path)
    imp.add_argument("--out", type=Path, required=True)
    imp.add_argument("--force", action="store_true", help="write even when problems remain")
    exp = commands.add_parser("export")
    exp.add_argument("file", type=Path)
    exp.add_argument("--out", type=Path)
    args = parser.parse_args(argv)

    if args.command == "text":
        for ident in args.ids:
            _print_article(load_article(args.source, ident, args.shared))
        return 0
    if args.command == "batch":
        for line in args.file.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                source, ident = line.split()[:2]
                _print_article(load_article(source, ident, args.shared))
        return 0
    if args.command == "check":
        total = 0
        for path in args.files:
            records, problems = convert_file(path, args.shared)
            for problem in problems:
                print(f"{path.name}: {problem}")
            total += len(problems)
            print(f"{path}: {len(records)} records, {len(problems)} problem(s)", file=sys.stderr)
        return 1 if total else 0
    if args.command == "import":
        records, problems = convert_file(args.file, args.shared)
        for problem in problems:
            print(problem)
        if problems and not args.force:
            print(f"{len(problems)} problem(s): nothing written", file=sys.stderr)
            return 1
        written = written_articles(args.file)
        if written:
            merge_into(WRITTEN_FILE, [{"source": WRITTEN_SOURCE, **w} for w in written])
            print(f"{WRITTEN_FILE}: {len(written)} written article(s) merged", file=sys.stderr)
        count = merge_into(args.out, records)
        print(f"{args.out}: {count} records", file=sys.stderr)
        return 0
    if args.command == "export":
        out = args.out.open("w", encoding="utf-8") if args.out else sys.stdout
        for record in read_jsonl(args.file):
            article = load_article(record["source"], record["id"], args.shared)
            out.write(json.dumps(to_gold(record, article), ensure_ascii=False) + "\n")
        return 0
    return 2


if __name__ == "__main__":
    sys.exit(main())
