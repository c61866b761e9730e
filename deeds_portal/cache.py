"""Redis as a cache the portal can lose: an error counts as a miss, never as a failed page.

Django's RedisCache raises when Redis is down, which would turn every page that uses the
cache into a 500 although the database can answer. Sessions and the admin login lock
(django-axes) live in the database, so nothing but speed depends on Redis.

Both backends the portal configures (this one and ``PageLocMemCache``, the default without
Redis) also answer ``get_many_unchecked``: the public page cache's hit path reads its
handful of keys, which it builds valid, without Django checking each one for memcached's
rules on every request (units/public_pages.py).
"""

import logging
import pickle
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)
WARN_EVERY_SECONDS = 10


class ReusedClientRedisCacheClient(RedisCacheClient):
    """Django's Redis client, keeping one ``redis.Redis`` per connection pool.

    Django builds a new ``redis.Redis`` for every operation, and building one (redis-py fills
    its table of some 170 reply callbacks) costs the page cache's hit more than the round trip
    to Redis. The object is safe to share: it only borrows connections from its pool.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            if index not in self._pools:
                self._pools[index] = self._pool_class.from_url(self._servers[index], **self._pool_options)
            client = self._clients[index] = self._client(connection_pool=self._pools[index])
        return client


class TolerantRedisCache(RedisCache):
    _last_warning = 0.0

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient

    def _failed(self, operation: str, error: RedisError) -> None:
        now = time.monotonic()
        if now - TolerantRedisCache._last_warning >= WARN_EVERY_SECONDS:  # one line, not one per request
            TolerantRedisCache._last_warning = now
            logger.warning("cache unavailable (%s: %s); answering from the database", operation, error)

    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except RedisError as error:
            self._failed("get", error)
            return default

    def get_many(self, keys, version=None):
        try:
            return super().get_many(keys, version)
        except RedisError as error:
            self._failed("get_many", error)
            return {}

    def get_many_unchecked(self, keys: list[str]) -> list:
        """The values of keys already made by ``make_key`` (None: not there), in one MGET."""
        try:
            found = self._cache.get_many(keys)
        except RedisError as error:
            self._failed("get_many_unchecked", error)
            return [None] * len(keys)
        return [found.get(key) for key in keys]

    def has_key(self, key, version=None):
        try:
            return super().has_key(key, version)
        except RedisError as error:
            self._failed("has_key", error)
            return False

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            super().set(key, value, timeout, version)
        except RedisError as error:
            self._failed("set", error)
            return False
        return True

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().add(key, value, timeout, version)
        except RedisError as error:
            self._failed("add", error)
            return False

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().set_many(data, timeout, version)
        except RedisError as error:
            self._failed("set_many", error)
            return list(data)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().touch(key, timeout, version)
        except RedisError as error:
            self._failed("touch", error)
            return False

    def incr(self, key, delta=1, version=None):
        # An error is a miss, and a miss of incr() is the ValueError of a key that is not there:
        # callers (the sign-in throttle, the page generation) already start the count afresh.
        try:
            return super().incr(key, delta, version)
        except RedisError as error:
            self._failed("incr", error)
            raise ValueError(f"Key '{key}' not found (cache unavailable)") from None

    def decr(self, key, delta=1, version=None):
        return self.incr(key, -delta, version)

    def delete(self, key, version=None):
        try:
            return super().delete(key, version)
        except RedisError as error:
            self._failed("delete", error)
            return False

    def delete_many(self, keys, version=None):
        try:
            return super().delete_many(keys, version)
        except RedisError as error:
            self._failed("delete_many", error)

    def clear(self):
        try:
            return super().clear()
        except RedisError as error:
            self._failed("clear", error)
            return False


class PageLocMemCache(LocMemCache):
    """Django's local-memory cache, plus the page cache's ``get_many_unchecked``."""

    def get_many_unchecked(self, keys: list[str]) -> list:
        """The values of keys already made by ``make_key`` (None: not there), under one lock."""
        pickled = []
        with self._lock:
            for key in keys:
                if self._has_expired(key):
                    self._delete(key)
                    pickled.append(None)
                else:
                    pickled.append(self._cache[key])
                    self._cache.move_to_end(key, last=False)  # recently used, as get() marks it
        return [None if value is None else pickle.loads(value) for value in pickled]
