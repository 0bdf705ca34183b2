"""Fetched pages parked on disk until the fetch is over (TRADEWATCH_CLEAN_AFTER_FETCH).

Cleaning (trafilatura) costs several times what fetching a page does. Done while crawling,
it either stalls the downloads or, in one worker beside the reactor, makes the crawl wait
for it; parked here, the fetch runs at full speed and the pages are cleaned afterwards on
every core. The file is compressed and anonymous (deleted on close or when the process
dies), so memory stays flat however many pages wait.
"""
from __future__ import annotations

import pickle
import struct
import tempfile
import zlib
from typing import Iterator

_LENGTH = struct.Struct("<I")


class PageSpool:
    def __init__(self):
        self._file = tempfile.TemporaryFile(prefix="tradewatch-pages-")
        self.count = 0

    def add(self, record) -> None:
        """Park any picklable record (the pipeline's page with its URLs)."""
        data = zlib.compress(pickle.dumps(record, protocol=pickle.HIGHEST_PROTOCOL), 1)
        self._file.write(_LENGTH.pack(len(data)))
        self._file.write(data)
        self.count += 1

    def __len__(self) -> int:
        return self.count

    def drain(self) -> Iterator:
        """Every record in the order added, read back one at a time; the spool is empty after."""
        self._file.flush()
        self._file.seek(0)
        for _ in range(self.count):
            (size,) = _LENGTH.unpack(self._file.read(_LENGTH.size))
            yield pickle.loads(zlib.decompress(self._file.read(size)))
        self._file.seek(0)
        self._file.truncate()
        self.count = 0

    def close(self) -> None:
        self._file.close()
