from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.utils.functional import lazy
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from crm import views

# Each app owns its pages (``<app>/urls.py``) and its JSON API (``<app>/api_urls.py``).
API_APPS = ["accounts", "presence", "contacts", "reports", "exports", "integrations", "workflows", "messaging", "imports", "business_hours", "broadcasts"]
PAGE_APPS = ["accounts", "presence", "reports", "exports", "integrations", "workflows", "messaging", "imports", "business_hours", "broadcasts"]

urlpatterns = [
    path("", views.home, name="home"),
    # Browsers ask for /favicon.ico before reading the page's <link rel="icon">; lazy: the static
    # URL (hashed with the manifest storage) is only known once the app is ready.
    path("favicon.ico", RedirectView.as_view(url=lazy(static, str)("favicon.svg")), name="favicon"),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    *[path("api/v1/", include(f"{app}.api_urls")) for app in API_APPS],
    *[path("", include(f"{app}.urls")) for app in PAGE_APPS],
]

handler404 = "crm.views.not_found"
handler500 = "crm.views.server_error"
