from django.contrib import admin

from .models import Contact, Conversation, ConversationEvent, Message


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["id", "first_name", "last_name", "email", "phone", "assignee", "workspace"]
    search_fields = ["first_name", "last_name", "email", "phone"]
    raw_id_fields = ["workspace", "assignee"]
    # The assignee changes only through the assignment service, and how a contact was created
    # and first seen are recorded by contacts.services, and custom field values are validated by
    # contacts.custom_fields, so they are read-only here.
    readonly_fields = ["assignee", "origin", "created_channel_id", "created_by", "first_seen_at", "custom_fields"]

    def has_add_permission(self, request):
        return False  # contacts are created through contacts.services.contact_create (with their origin)


# The lifecycle is recorded only by contacts.services (with its events), so it is read-only here.
CONVERSATION_LIFECYCLE_FIELDS = [
    "status", "opened_at", "opened_source", "opened_by", "channel_id", "closed_at", "closed_source", "closed_by",
    "closing_note", "first_response_at", "first_response_by", "awaiting_reply_since",
]


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    list_display = ["id", "contact", "status", "opened_source", "opened_at", "closed_source", "closed_at"]
    list_filter = ["status", "opened_source", "closed_source"]
    raw_id_fields = ["workspace", "contact"]
    readonly_fields = CONVERSATION_LIFECYCLE_FIELDS

    def has_add_permission(self, request):
        return False  # conversations are opened through contacts.services.conversation_open


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["id", "conversation", "direction", "sender_kind", "author", "created_at", "response_seconds",
                    "delivery_status"]
    list_filter = ["direction", "sender_kind", "delivery_status"]
    raw_id_fields = ["workspace", "conversation", "author"]
    # Delivery changes only through message_status_record (with its events).
    readonly_fields = ["direction", "sender_kind", "response_seconds", "delivery_status", "delivery_error",
                       "delivery_updated_at", "delivery_channel_id", "external_id"]

    def has_add_permission(self, request):
        return False  # messages are stored through contacts.services.message_create


@admin.register(ConversationEvent)
class ConversationEventAdmin(admin.ModelAdmin):
    """Immutable events: the admin shows them and changes nothing."""

    list_display = ["id", "created_at", "kind", "source", "conversation_id", "contact_name", "user_name",
                    "assignee_name", "seconds_since_open"]
    list_filter = ["kind", "source"]
    search_fields = ["contact_name", "user_name", "assignee_name"]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
