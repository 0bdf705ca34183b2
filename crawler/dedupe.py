"""Exact and near-duplicate detection: syndicated copies and light rewrites → one story.

Each stored article gets a signature: its content hash plus a MinHash (datasketch) of its
word shingles. Signatures live in the knowledge base (`kb.save_signature`), so the index is
rebuilt at the start of every run and duplicates are found across runs.

The index is banded LSH with datasketch's optimal (bands, rows) for the threshold, stored
as numpy arrays: about 1 KB per article where datasketch's MinHashLSH (dicts of sets)
takes about 9 KB — 180 MB for 20,000 articles, too much for a crawl process. Candidate
lookup is a vectorised scan over the band hashes (under a millisecond per 20,000 articles);
`WINDOW` bounds it to the most recent articles, as syndicated copies appear within days.
"""
from __future__ import annotations

import hashlib
import re
import struct
from dataclasses import dataclass

import numpy as np
from datasketch import MinHash
from datasketch.lsh import _optimal_param

NUM_PERM = 128
SHINGLE_WORDS = 4
THRESHOLD = 0.5            # estimated Jaccard of 4-word shingles for "same story"
MIN_WORDS = 40             # below this, texts are too short to call near-duplicates
WINDOW = 200_000           # most recent stored articles kept in the index
_SCHEME = "affine32"       # datasketch's hash scheme; part of the stored signature's meaning
_SIGNATURE_VERSION = 1
_HEADER = struct.Struct("!B32s")
_WORD = re.compile(r"\w+", re.UNICODE)


def normalise(text: str) -> str:
    return " ".join(_WORD.findall(text.lower()))


def content_hash(text: str) -> str:
    return _digest(normalise(text))


def _digest(normalised: str) -> str:
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()


class Sketch:
    """Just the MinHash values: what MinHashLSH reads, a tenth of a MinHash's memory."""

    __slots__ = ("hashvalues",)
    scheme = _SCHEME

    def __init__(self, hashvalues):
        self.hashvalues = hashvalues

    def __len__(self) -> int:
        return len(self.hashvalues)


def minhash(text: str) -> Sketch | None:
    return _minhash(normalise(text))


def _sha1_hash32(data: bytes) -> int:
    """datasketch's sha1_hash32 (the same values), without its struct round trip."""
    return int.from_bytes(hashlib.sha1(data).digest()[:4], "little")


_PERMUTATIONS = None      # drawn once per process: datasketch would redraw them for every MinHash


def _minhash(normalised: str) -> Sketch | None:
    global _PERMUTATIONS
    words = normalised.split()
    if len(words) < MIN_WORDS:
        return None
    shingles = {" ".join(words[i:i + SHINGLE_WORDS]).encode("utf-8") for i in range(len(words) - SHINGLE_WORDS + 1)}
    if _PERMUTATIONS is None:
        _PERMUTATIONS = MinHash(num_perm=NUM_PERM, seed=1, scheme=_SCHEME).permutations
    m = MinHash(num_perm=NUM_PERM, seed=1, scheme=_SCHEME, hashfunc=_sha1_hash32, permutations=_PERMUTATIONS)
    m.update_batch(list(shingles))
    return Sketch(m.hashvalues.copy())


def signature_of(text: str) -> bytes:
    """Content hash + MinHash of `text`, as stored by kb.save_signature."""
    normalised = normalise(text)
    return encode_signature(_digest(normalised), _minhash(normalised))


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
    """In-memory index over stored signatures; `match` then `add` per new article."""

    def __init__(self, threshold: float = THRESHOLD, window: int = WINDOW):
        self.threshold = threshold
        self.window = window
        self.bands, self.rows = _optimal_param(threshold, NUM_PERM, 0.5, 0.5)
        # Odd multipliers fold a band's `rows` values into one uint64 (collisions only add candidates).
        self._fold = np.random.default_rng(7).integers(1, 2**63, self.rows, dtype=np.uint64) | np.uint64(1)
        self._sketches = np.zeros((0, NUM_PERM), dtype=np.uint32)
        self._band_keys = np.zeros((0, self.bands), dtype=np.uint64)
        self._size = 0
        self._row_article: list[str] = []           # row → article id (rows only for articles with a sketch)
        self.story_of: dict[str, str] = {}          # article id → story id
        self.by_hash: dict[bytes, str] = {}         # content hash → first article with it

    def __len__(self) -> int:
        return len(self.story_of)

    def load(self, rows) -> int:
        """rows: (article_id, story_id, signature) as kb.story_signatures() yields them, oldest first."""
        rows = list(rows)[-self.window:] if self.window else list(rows)
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
        return self.match_signature(key, signature_of(text))

    def match_signature(self, key: str, signature: bytes) -> Match:
        """Like `match`, from a signature computed elsewhere (e.g. in a cleaning worker)."""
        digest, m = decode_signature(signature)
        first = self.by_hash.get(bytes.fromhex(digest))
        if first is not None:
            return Match(self.story_of[first], "exact", signature=signature, content_hash=digest, matched_article=first)
        if m is not None and self._size:
            keys = self._keys(m.hashvalues)
            candidates = np.nonzero((self._band_keys[: self._size] == keys).any(axis=1))[0]
            if len(candidates):
                similarity = (self._sketches[candidates] == m.hashvalues).mean(axis=1)
                best = int(np.argmax(similarity))
                if similarity[best] >= self.threshold:
                    other = self._row_article[int(candidates[best])]
                    return Match(self.story_of[other], "near", float(similarity[best]), signature, digest, other)
        return Match(key, "new", signature=signature, content_hash=digest)

    def add(self, article_id: str, story_id: str, match: Match) -> None:
        digest, m = decode_signature(match.signature)
        self._index(article_id, story_id, digest, m)

    def story_for(self, article_id: str, default: str | None = None) -> str | None:
        return self.story_of.get(article_id, default)

    def _keys(self, values) -> np.ndarray:
        bands = values[: self.bands * self.rows].astype(np.uint64).reshape(self.bands, self.rows)
        return (bands * self._fold).sum(axis=1, dtype=np.uint64)

    def _index(self, article_id: str, story_id: str, digest: str, m: Sketch | None) -> None:
        if article_id in self.story_of:
            return
        self.story_of[article_id] = story_id
        self.by_hash.setdefault(bytes.fromhex(digest), article_id)
        if m is None:
            return
        if self._size == len(self._sketches):                 # grow by doubling
            capacity = max(1024, 2 * self._size)
            self._sketches = np.resize(self._sketches, (capacity, NUM_PERM))
            self._band_keys = np.resize(self._band_keys, (capacity, self.bands))
        self._sketches[self._size] = m.hashvalues
        self._band_keys[self._size] = self._keys(m.hashvalues)
        self._row_article.append(article_id)
        self._size += 1
