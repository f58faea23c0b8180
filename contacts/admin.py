from django.contrib import admin

from .models import Contact, Conversation, Message


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["id", "first_name", "last_name", "email", "phone", "assignee", "workspace"]
    search_fields = ["first_name", "last_name", "email", "phone"]
    raw_id_fields = ["workspace", "assignee"]
    # The assignee changes only through the assignment service, so it is read-only here.
    readonly_fields = ["assignee"]


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    list_display = ["id", "contact", "status", "opened_at", "closed_at"]
    list_filter = ["status"]
    raw_id_fields = ["workspace", "contact", "closed_by"]


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["id", "conversation", "direction", "author", "created_at"]
    raw_id_fields = ["workspace", "conversation", "author"]
