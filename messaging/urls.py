from django.urls import path

from . import views

app_name = "messaging"

urlpatterns = [
    path("messages/", views.inbox, name="inbox"),
    path("messages/<int:conversation_id>/", views.conversation_detail, name="conversation"),
    path("messages/<int:conversation_id>/reply/", views.conversation_reply, name="reply"),
    path("messages/<int:conversation_id>/assign/", views.conversation_assign, name="assign"),
    path("messages/<int:conversation_id>/close/", views.conversation_close, name="close"),
    path("messages/<int:conversation_id>/bot/", views.conversation_bot, name="bot"),
    path("contacts/", views.contact_list, name="contacts"),
]
