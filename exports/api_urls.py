from django.urls import path

from .api import ExportCreateApi, ExportDetailApi, ExportDownloadApi

urlpatterns = [
    path("exports", ExportCreateApi.as_view(), name="api-exports"),
    path("exports/<str:export_id>", ExportDetailApi.as_view(), name="api-export-detail"),
    path("exports/<str:export_id>/download", ExportDownloadApi.as_view(), name="api-export-download"),
]
