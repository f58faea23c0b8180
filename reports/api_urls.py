from django.urls import path

from .api import AssignmentLogApi, AssignmentSummaryApi, AssignmentTimeseriesApi

urlpatterns = [
    path("reports/assignments/summary", AssignmentSummaryApi.as_view(), name="api-report-assignments-summary"),
    path("reports/assignments/timeseries", AssignmentTimeseriesApi.as_view(), name="api-report-assignments-timeseries"),
    path("reports/assignments/log", AssignmentLogApi.as_view(), name="api-report-assignments-log"),
]
