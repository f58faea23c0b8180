import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _cold_heartbeat_cache(settings):
    """The heartbeat's throttle keys in a local-memory cache, empty for each test.

    Local memory expires keys by ``time.time()``, which time_machine moves; Redis (with
    REDIS_URL) expires them in real time, so a frozen test's "a minute later" would still hit.
    """
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                   "LOCATION": "presence-tests"}}
    cache.clear()
    yield
    cache.clear()
