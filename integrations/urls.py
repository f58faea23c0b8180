from django.urls import path

from . import views

app_name = "integrations"

urlpatterns = [
    path("settings/developer-api/", views.developer_api, name="developer-api"),
    path("settings/developer-api/tokens/<int:token_id>/revoke/", views.api_token_revoke, name="api-token-revoke"),
    path("settings/integrations/", views.integrations_settings, name="integrations"),
    path("settings/integrations/channels/", views.channel_create, name="channel-create"),
    path("settings/integrations/channels/<int:channel_id>/rotate/", views.channel_rotate, name="channel-rotate"),
    path("settings/integrations/channels/<int:channel_id>/outbound/", views.channel_outbound,
         name="channel-outbound"),
    path("settings/integrations/dialogflow/", views.dialogflow_create, name="dialogflow-create"),
    path(
        "settings/integrations/dialogflow/<int:integration_id>/rotate/",
        views.dialogflow_rotate,
        name="dialogflow-rotate",
    ),
]
