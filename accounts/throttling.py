from rest_framework.throttling import SimpleRateThrottle

from .models import ApiToken


class ApiTokenRateThrottle(SimpleRateThrottle):
    """Per-token request rate for the Developer API (``API_THROTTLE_RATE``, default 600/min)."""

    scope = "api_token"

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiToken):
            return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}
        return None
