"""Process-local caches shared by a worker's threads.

cachetools caches are not thread-safe (even a read reorders an LRU), and gunicorn's threaded
workers serve several requests at once, so every access goes through one lock per cache.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable
from typing import Generic, TypeVar

from cachetools import Cache

V = TypeVar("V")


class LockedCache(Generic[V]):
    """A cachetools cache behind a lock, counting hits and misses."""

    def __init__(self, cache: Cache) -> None:
        self._cache = cache
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable) -> V | None:
        with self._lock:
            value = self._cache.get(key)
            if value is None:
                self.misses += 1
            else:
                self.hits += 1
            return value

    def put(self, key: Hashable, value: V) -> None:
        with self._lock:
            self._cache[key] = value

    @property
    def size(self) -> float:
        """The cache's current size, in the units its ``getsizeof`` counts (default: entries)."""
        with self._lock:
            return self._cache.currsize

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()
            self.hits = self.misses = 0
