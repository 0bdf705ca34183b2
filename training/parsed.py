"""The corpus parsed once by the untrained pipeline, cached as a DocBin (training/cache/, not committed).

Training and cross-validation read the same Docs the extractor would build at run time up to its
learned steps: tagger, parser, NER, our rulers, jurisdictions, event and status cues, company
candidates. The cache is keyed on the corpus and on the extractor's code and data, so it is
rebuilt whenever either changes.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

from spacy.tokens import DocBin

from extract.nlp import build_pipeline
from training.corpus import Annotated

PROJECT = Path(__file__).resolve().parent.parent
CACHE = PROJECT / "training" / "cache"


# Code the learned steps run on top of the parsed Docs: changing it does not change the parse.
LEARNED_STEPS_ONLY = frozenset({"extract/events/features.py", "extract/events/inference.py",
                                "extract/companies/features.py", "extract/linear.py"})


def _fingerprint(items: list[Annotated]) -> str:
    digest = hashlib.sha256()
    for item in items:
        digest.update(item.key.encode())
        digest.update(item.article.text.encode("utf-8"))
    for folder in ("extract", "core/data"):
        for path in sorted((PROJECT / folder).rglob("*")):
            name = str(path.relative_to(PROJECT))
            if name in LEARNED_STEPS_ONLY or "model" in path.parts:
                continue
            if path.is_file() and path.suffix in (".py", ".csv", ".toml", ".jsonl", ".txt"):
                digest.update(name.encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def parse_corpus(items: list[Annotated], n_process: int = 2, log=print) -> list:
    """Docs in the order of `items`, from the cache when it is current."""
    nlp = build_pipeline(trained=False)
    path = CACHE / f"corpus-{_fingerprint(items)}.spacy"
    if path.exists():
        return list(DocBin().from_disk(path).get_docs(nlp.vocab))
    log(f"parsing {len(items)} articles (cache: {path.name})")
    texts = [item.article.text for item in items]
    docs = list(nlp.pipe(texts, batch_size=16, n_process=n_process))
    CACHE.mkdir(parents=True, exist_ok=True)
    for old in CACHE.glob("corpus-*.spacy"):
        old.unlink()
    DocBin(store_user_data=True, docs=docs).to_disk(path)
    return docs
