from rest_framework.throttling import SimpleRateThrottle

from .models import ApiToken


class ApiTokenRateThrottle(SimpleRateThrottle):
    """Per-token request rate for the Developer API (``API_THROTTLE_RATE``, default 600/min)."""

    scope = "api_token"

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiToken):
            return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}
        return None


class SessionUserRateThrottle(SimpleRateThrottle):
    """Per-user request rate for the app's own pages calling the API with a session."""

    scope = "user"

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiToken) or not request.user or not request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}
