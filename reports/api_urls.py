from django.urls import path

from .api import AssignmentLogApi, AssignmentSummaryApi, AssignmentTimeseriesApi

urlpatterns = [
    path("reports/assignments/summary", AssignmentSummaryApi.as_view(), name="api-report-assignments-summary"),
    path("reports/assignments/timeseries", AssignmentTimeseriesApi.as_view(), name="api-report-assignments-timeseries"),
    path("reports/assignments/log", AssignmentLogApi.as_view(), name="api-report-assignments-log"),
]

from .conversations_api import ConversationLogApi, ConversationSummaryApi, ConversationTimeseriesApi  # noqa: E402

urlpatterns += [
    path("reports/conversations/summary", ConversationSummaryApi.as_view(), name="api-report-conversations-summary"),
    path("reports/conversations/timeseries", ConversationTimeseriesApi.as_view(),
         name="api-report-conversations-timeseries"),
    path("reports/conversations/log", ConversationLogApi.as_view(), name="api-report-conversations-log"),
]

from .resolutions_api import ResolutionLogApi, ResolutionSummaryApi, ResolutionTimeseriesApi  # noqa: E402

urlpatterns += [
    path("reports/resolutions/summary", ResolutionSummaryApi.as_view(), name="api-report-resolutions-summary"),
    path("reports/resolutions/timeseries", ResolutionTimeseriesApi.as_view(), name="api-report-resolutions-timeseries"),
    path("reports/resolutions/log", ResolutionLogApi.as_view(), name="api-report-resolutions-log"),
]

from .responses_api import ResponseLogApi, ResponseSummaryApi, ResponseTimeseriesApi  # noqa: E402

urlpatterns += [
    path("reports/responses/summary", ResponseSummaryApi.as_view(), name="api-report-responses-summary"),
    path("reports/responses/timeseries", ResponseTimeseriesApi.as_view(), name="api-report-responses-timeseries"),
    path("reports/responses/log", ResponseLogApi.as_view(), name="api-report-responses-log"),
]
