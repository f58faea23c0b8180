from django.urls import path

from . import api

urlpatterns = [
    path("segments", api.SegmentListApi.as_view(), name="api-segments"),
    path("segments/<int:segment_id>", api.SegmentDetailApi.as_view(), name="api-segment"),
    path("broadcasts", api.BroadcastListApi.as_view(), name="api-broadcasts"),
    path("broadcasts/<int:broadcast_id>", api.BroadcastDetailApi.as_view(), name="api-broadcast"),
    path("broadcasts/<int:broadcast_id>/recipients", api.BroadcastRecipientListApi.as_view(), name="api-broadcast-recipients"),
    path("broadcasts/<int:broadcast_id>/retry", api.BroadcastRetryApi.as_view(), name="api-broadcast-retry"),
    path("broadcasts/<int:broadcast_id>/cancel", api.BroadcastCancelApi.as_view(), name="api-broadcast-cancel"),
]
