from django.conf import settings
from django.db import connection
from django.http import HttpResponse


class HealthCheckMiddleware:
    """``/healthz`` answers before host validation and HTTPS redirects, for container probes.

    It checks the database connection; nothing else about the request is trusted or used.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path == "/healthz":
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
            return HttpResponse("ok", content_type="text/plain")
        return self.get_response(request)


class ContentSecurityPolicyMiddleware:
    """Only the app's own scripts, styles and images; nothing from other origins.

    The API docs page (Swagger UI, served from the app) needs inline bootstrapping, so it
    gets a slightly wider policy.
    """

    POLICY = (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; "
        "form-action 'self'; frame-ancestors 'none'"
    )
    DOCS_POLICY = (
        "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; connect-src 'self'; object-src 'none'; frame-ancestors 'none'"
    )

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            docs = request.path.startswith("/api/docs") or request.path.startswith(settings.STATIC_URL + "drf_spectacular_sidecar")
            response["Content-Security-Policy"] = self.DOCS_POLICY if docs or request.path.startswith("/admin/") else self.POLICY
        return response
