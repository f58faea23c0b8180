from django.urls import path

from . import api

urlpatterns = [
    path("integrations/zapier/assign", api.ZapierAssignApi.as_view(), name="api-zapier-assign"),
    path(
        "integrations/dialogflow/<str:integration_id>/webhook",
        api.DialogflowWebhookApi.as_view(),
        name="api-dialogflow-webhook",
    ),
    path("channels/<str:channel_id>/inbound", api.ChannelInboundApi.as_view(), name="api-channel-inbound"),
    path("channels/<str:channel_id>/status", api.ChannelStatusApi.as_view(), name="api-channel-status"),
]
