"""Extraction speed: words/s of the full tradewatch pipeline against bare `nlp.pipe`.

Both run in this process on the same texts (BBC business + Reuters trade articles,
read from ../shared by path). The baseline is the same pretrained model loaded the
same way (parser on, senter excluded, as extract.nlp loads it) without the project's
components, so the ratio is the cost of the project's rulers, components and learned steps. A second figure runs the project
pipeline with two worker processes, the setting `tradewatch daily` uses on a backlog.
Writes benchmarks/results/extract.json.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import spacy

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from extract.nlp import DEFAULT_MODEL, extract_records, load_pipeline  # noqa: E402


def load_texts(shared: Path, limit: int) -> list[tuple[str, str, str]]:
    """Half BBC business, half Reuters trade articles."""
    texts = []
    for name in ("bbc-business", "reuters21578-trade"):
        path = shared / "corpora" / name / "articles.jsonl"
        with open(path, encoding="utf-8") as handle:
            for number, line in enumerate(handle):
                if number >= limit // 2:
                    break
                article = json.loads(line)
                texts.append((f"{name}:{article['id']}", article.get("title", ""), article["body"]))
    return texts


def words(items) -> int:
    return sum(len(title.split()) + len(text.split()) for _, title, text in items)


def timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--shared", default=str(ROOT.parent / "shared"))
    parser.add_argument("--articles", type=int, default=400)
    args = parser.parse_args()
    items = load_texts(Path(args.shared), args.articles)
    n_words = words(items)

    bare = spacy.load(DEFAULT_MODEL, exclude=["senter"])
    full = load_pipeline()
    joined = [f"{title}\n\n{text}" for _, title, text in items]
    # Warm both (first-call allocations), then time.
    list(bare.pipe(joined[:20]))
    list(extract_records(items[:20], nlp=full))

    bare_s = timed(lambda: list(bare.pipe(joined, batch_size=32)))
    full_s = timed(lambda: list(extract_records(items, nlp=full, batch_size=32)))
    full2_s = timed(lambda: list(extract_records(items, nlp=full, batch_size=32, n_process=2)))
    result = {
        "articles": len(items),
        "words": n_words,
        "bare_nlp_pipe_words_per_s": round(n_words / bare_s),
        "tradewatch_words_per_s": round(n_words / full_s),
        "tradewatch_2proc_words_per_s": round(n_words / full2_s),
        "ratio_same_settings": round(bare_s / full_s, 3),
        "ratio_2proc_vs_bare_1proc": round(bare_s / full2_s, 3),
    }
    out = ROOT / "benchmarks" / "results" / "extract.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
