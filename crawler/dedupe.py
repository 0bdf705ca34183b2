"""Exact and near-duplicate detection: syndicated copies and light rewrites → one story.

Each stored article gets a signature: its content hash plus a MinHash of its word
shingles. Signatures live in the knowledge base (`kb.save_signature`), so the index is
rebuilt at the start of every run and duplicates are found across runs.
"""
from __future__ import annotations

import hashlib
import re
import struct
from dataclasses import dataclass

import numpy as np
from datasketch import MinHash, MinHashLSH

NUM_PERM = 128
SHINGLE_WORDS = 4
THRESHOLD = 0.5            # estimated Jaccard of 4-word shingles for "same story"
MIN_WORDS = 40             # below this, texts are too short to call near-duplicates
_SCHEME = "affine32"       # datasketch's hash scheme; part of the stored signature's meaning
_SIGNATURE_VERSION = 1
_HEADER = struct.Struct("!B32s")
_WORD = re.compile(r"\w+", re.UNICODE)


def normalise(text: str) -> str:
    return " ".join(_WORD.findall(text.lower()))


def content_hash(text: str) -> str:
    return hashlib.sha256(normalise(text).encode("utf-8")).hexdigest()


class Sketch:
    """Just the MinHash values: what MinHashLSH reads, a tenth of a MinHash's memory."""

    __slots__ = ("hashvalues",)
    scheme = _SCHEME

    def __init__(self, hashvalues):
        self.hashvalues = hashvalues

    def __len__(self) -> int:
        return len(self.hashvalues)

    def jaccard(self, other: "Sketch") -> float:
        return float(np.count_nonzero(self.hashvalues == other.hashvalues)) / len(self.hashvalues)


def minhash(text: str) -> Sketch | None:
    words = normalise(text).split()
    if len(words) < MIN_WORDS:
        return None
    shingles = {" ".join(words[i:i + SHINGLE_WORDS]).encode("utf-8") for i in range(len(words) - SHINGLE_WORDS + 1)}
    m = MinHash(num_perm=NUM_PERM, seed=1, scheme=_SCHEME)
    m.update_batch(list(shingles))
    return Sketch(m.hashvalues.copy())


def signature_of(text: str) -> bytes:
    """Content hash + MinHash of `text`, as stored by kb.save_signature."""
    return encode_signature(content_hash(text), minhash(text))


def encode_signature(digest: str, m: Sketch | None) -> bytes:
    body = m.hashvalues.astype("<u4").tobytes() if m is not None else b""
    return _HEADER.pack(_SIGNATURE_VERSION, bytes.fromhex(digest)) + body


def decode_signature(blob: bytes) -> tuple[str, Sketch | None]:
    version, digest = _HEADER.unpack_from(blob)
    if version != _SIGNATURE_VERSION:
        raise ValueError(f"unknown signature version {version}")
    body = blob[_HEADER.size:]
    if len(body) != NUM_PERM * 4:
        return digest.hex(), None
    return digest.hex(), Sketch(np.frombuffer(body, dtype="<u4").astype(np.uint32))


@dataclass
class Match:
    story_id: str
    kind: str              # "new", "exact" or "near"
    similarity: float = 1.0
    signature: bytes = b""
    content_hash: str = ""
    matched_article: str | None = None     # the stored article it matched


class StoryIndex:
    """In-memory index over all stored signatures; `match` then `add` per new article."""

    def __init__(self, threshold: float = THRESHOLD):
        self.threshold = threshold
        self.lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
        self.by_hash: dict[str, str] = {}          # content hash → first article with it
        self.minhashes: dict[str, Sketch] = {}
        self.story_of: dict[str, str] = {}

    def load(self, rows) -> int:
        """rows: (article_id, story_id, signature) as kb.story_signatures() yields them."""
        count = 0
        for article_id, story_id, blob in rows:
            try:
                digest, m = decode_signature(bytes(blob))
            except (ValueError, struct.error):
                continue           # a signature from another version: that article is just not indexed
            self._index(article_id, story_id or article_id, digest, m)
            count += 1
        return count

    def match(self, key: str, text: str) -> Match:
        """The story `text` belongs to; kind "new" means none yet (story_id is then `key`)."""
        return self.match_signature(key, encode_signature(content_hash(text), minhash(text)))

    def match_signature(self, key: str, signature: bytes) -> Match:
        """Like `match`, from a signature computed elsewhere (e.g. in a cleaning worker)."""
        digest, m = decode_signature(signature)
        if digest in self.by_hash:
            first = self.by_hash[digest]
            return Match(self.story_of[first], "exact", signature=signature, content_hash=digest, matched_article=first)
        if m is not None:
            best, best_sim = None, 0.0
            for other in self.lsh.query(m):
                sim = m.jaccard(self.minhashes[other])
                if sim >= self.threshold and sim > best_sim:
                    best, best_sim = other, sim
            if best is not None:
                return Match(self.story_of[best], "near", best_sim, signature, digest, best)
        return Match(key, "new", signature=signature, content_hash=digest)

    def add(self, article_id: str, story_id: str, match: Match) -> None:
        digest, m = decode_signature(match.signature)
        self._index(article_id, story_id, digest, m)

    def _index(self, article_id: str, story_id: str, digest: str, m: Sketch | None) -> None:
        if article_id in self.story_of:
            return
        self.story_of[article_id] = story_id
        self.by_hash.setdefault(digest, article_id)
        if m is not None:
            self.minhashes[article_id] = m
            self.lsh.insert(article_id, m)
