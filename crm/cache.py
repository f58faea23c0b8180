"""The cache backend of production (Redis), resilient to a Redis outage.

The cache holds only counters that protect the app — API and webhook rate limits (DRF
throttles) and the login-failure counts (accounts/login_throttle.py) — never data. Django's
RedisCache raises when Redis is unreachable, which turned every API request and every login
into a 500 while Redis was down. Here each operation that cannot reach Redis logs the error
and behaves as a cache miss: requests go through without rate limiting until Redis is back
(the outage is visible in the logs and in the 503s of exports and imports, which need the
broker), instead of the whole app failing.
"""

import logging
from functools import wraps

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)
UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)


def _degrades_to(fallback):
    def decorator(method):
        @wraps(method)
        def wrapper(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except UNREACHABLE as exc:
                logger.error("cache unreachable (%s): %s; treated as a miss", method.__name__, exc)
                return fallback(*args, **kwargs) if callable(fallback) else fallback

        return wrapper

    return decorator


def _missing_key(*args, **kwargs):
    # What incr/decr of a key that is not in the cache does: callers fall back to set().
    raise ValueError("cache unreachable")


class ResilientRedisCache(RedisCache):
    get = _degrades_to(lambda key, default=None, version=None: default)(RedisCache.get)
    get_many = _degrades_to({})(RedisCache.get_many)
    has_key = _degrades_to(False)(RedisCache.has_key)
    add = _degrades_to(False)(RedisCache.add)
    set = _degrades_to(None)(RedisCache.set)
    set_many = _degrades_to([])(RedisCache.set_many)
    touch = _degrades_to(False)(RedisCache.touch)
    delete = _degrades_to(False)(RedisCache.delete)
    delete_many = _degrades_to(None)(RedisCache.delete_many)
    clear = _degrades_to(False)(RedisCache.clear)
    incr = _degrades_to(_missing_key)(RedisCache.incr)
