from django.urls import path

from . import api

urlpatterns = [
    path("imports", api.ImportListCreateApi.as_view(), name="contact-import-list"),
    path("imports/<int:import_id>", api.ImportDetailApi.as_view(), name="contact-import-detail"),
    path("imports/<int:import_id>/error-rows", api.ImportErrorRowsApi.as_view(), name="contact-import-error-rows"),
]
