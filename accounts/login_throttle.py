"""Login throttling against password guessing, built on the cache (Redis in production).

After ``LOGIN_MAX_FAILURES`` failed attempts for one email, or ``LOGIN_MAX_FAILURES_PER_IP``
from one address, further attempts are refused for ``LOGIN_LOCKOUT_SECONDS`` — even with the
right password — and the form says how long to wait.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache


def client_ip(request) -> str:
    """The address a login attempt came from.

    Behind a reverse proxy every request has the proxy's REMOTE_ADDR, so one address's failures
    would lock every user out: with ``TRUSTED_PROXY_HOPS`` = n (the proxies in front of the
    app, each appending to ``X-Forwarded-For``), the n-th address from the right is the client
    as the outermost trusted proxy saw it. Addresses further left are the client's own claims
    and are ignored. 0 (the default: gunicorn faces the clients) uses REMOTE_ADDR.
    """
    hops = getattr(settings, "TRUSTED_PROXY_HOPS", 0)
    if hops > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= hops:
            return forwarded[-hops][:64]
    return request.META.get("REMOTE_ADDR", "")


def _key(kind: str, value: str) -> str:
    return "login-fail:" + kind + ":" + hashlib.sha256(value.strip().lower().encode()).hexdigest()


def _keys(email: str, ip: str) -> list[tuple[str, int]]:
    return [
        (_key("email", email), settings.LOGIN_MAX_FAILURES),
        (_key("ip", ip), settings.LOGIN_MAX_FAILURES_PER_IP),
    ]


def login_is_locked(*, email: str, ip: str) -> bool:
    return any((cache.get(key) or 0) >= limit for key, limit in _keys(email, ip))


def login_failure_record(*, email: str, ip: str) -> None:
    for key, _ in _keys(email, ip):
        if cache.add(key, 1, settings.LOGIN_LOCKOUT_SECONDS):
            continue
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, settings.LOGIN_LOCKOUT_SECONDS)


def login_success_record(*, email: str) -> None:
    cache.delete(_key("email", email))
