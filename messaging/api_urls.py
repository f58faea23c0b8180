from django.urls import path

from . import api

urlpatterns = [
    path("conversations", api.ConversationListApi.as_view(), name="api-conversations"),
    path("conversations/<int:conversation_id>/close", api.ConversationCloseApi.as_view(), name="api-conversation-close"),
    path(
        "conversations/<int:conversation_id>/messages",
        api.ConversationMessagesApi.as_view(),
        name="api-conversation-messages",
    ),
]
