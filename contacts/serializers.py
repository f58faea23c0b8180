"""JSON shapes of contacts (api.md "Contacts (Developer API)") and the input they accept."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from .selectors import phone_is_e164

MAX_TAGS = 50
MAX_TAG_LENGTH = 50


class UserRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="display_name")
    email = serializers.EmailField()


class ContactSerializer(serializers.Serializer):
    """``{"id","first_name","last_name","name","email","phone","tags","custom_fields","assignee"|null,"created_at"}``."""

    id = serializers.IntegerField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    name = serializers.CharField()
    email = serializers.CharField()
    phone = serializers.CharField()
    tags = serializers.ListField(child=serializers.CharField())
    custom_fields = serializers.DictField(
        child=serializers.CharField(), help_text="The contact's custom field values, key → text.")
    assignee = UserRefSerializer(allow_null=True)
    created_at = serializers.DateTimeField()


def _validate_phone(value: str) -> str:
    value = (value or "").strip()
    if value and not phone_is_e164(value):
        raise serializers.ValidationError(_("Use the international E.164 format, e.g. +5215512345678."))
    return value


def tags_clean(values) -> list[str]:
    """Trimmed, non-empty, de-duplicated tags in their given order."""
    out: list[str] = []
    for value in values:
        value = value.strip()
        if value and value not in out:
            out.append(value)
    return out


class TagListField(serializers.ListField):
    child = serializers.CharField(max_length=MAX_TAG_LENGTH, allow_blank=True)
    max_length = MAX_TAGS

    def to_internal_value(self, data):
        return tags_clean(super().to_internal_value(data))


class ContactInputSerializer(serializers.Serializer):
    """Create (``first_name`` required) and PATCH (every field optional). Never the assignee."""

    first_name = serializers.CharField(max_length=150)
    last_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True, validators=[_validate_phone])
    tags = TagListField(required=False, max_length=MAX_TAGS)
    # Judged against the workspace's definitions by contacts.custom_fields.custom_values_clean.
    custom_fields = serializers.JSONField(
        required=False,
        help_text="Key → text (or null): sets those custom field values; an empty text or null removes one. "
                  "Keys must be the workspace's custom fields (GET /api/v1/contact-fields).",
    )

    def validate_first_name(self, value):
        value = value.strip()
        if not value:
            raise serializers.ValidationError(_("This field may not be blank."))
        return value

    def validate_phone(self, value):
        return _validate_phone(value)

    def validate_email(self, value):
        return (value or "").strip()


class TagsInputSerializer(serializers.Serializer):
    tags = TagListField(allow_empty=False, max_length=MAX_TAGS)


class MessageSerializer(serializers.Serializer):
    """An outgoing (or incoming) message: ``{"id","conversation_id","contact_id","direction","text","author","created_at"}``."""

    id = serializers.IntegerField()
    conversation_id = serializers.IntegerField()
    contact_id = serializers.IntegerField(source="conversation.contact_id")
    direction = serializers.CharField()
    text = serializers.CharField()
    author = UserRefSerializer(allow_null=True)
    created_at = serializers.DateTimeField()


class MessageInputSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=10000)

    def validate_text(self, value):
        if not value.strip():
            raise serializers.ValidationError(_("This field may not be blank."))
        return value


class UserNameSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class AssignmentEventRowSerializer(serializers.Serializer):
    """A row of the Asignaciones log (api.md), timestamp in the workspace's offset."""

    id = serializers.IntegerField()
    timestamp = serializers.CharField()
    conversation_id = serializers.IntegerField(allow_null=True)
    contact_id = serializers.IntegerField()
    contact_name = serializers.CharField()
    previous_assignee = UserNameSerializer(allow_null=True)
    new_assignee = UserNameSerializer(allow_null=True)
    source = serializers.CharField()
    source_label = serializers.CharField()
    assigned_by = UserNameSerializer(allow_null=True)


def assignment_event_row(event, *, workspace) -> dict:
    """The log row of an event exactly as the report's log shows it (timestamp in the workspace offset)."""
    # Imported here: the report reads contacts' events; contacts do not depend on reports at import.
    from reports.rows import log_row

    return log_row(event, tz=workspace.tzinfo)


class AssignResultSerializer(serializers.Serializer):
    """``{"changed": bool, "event": <log row>|null, "contact": <contact>}``."""

    changed = serializers.BooleanField()
    event = AssignmentEventRowSerializer(allow_null=True)
    contact = ContactSerializer()


class AssigneeInputSerializer(serializers.Serializer):
    """Documentation of ``{"assignee": <user id> | "<email>" | null}`` (parsed by hand: it is a union)."""

    assignee = serializers.JSONField(help_text="A member's user id, a member's email, or null to unassign.")


class ZapierAssignInputSerializer(AssigneeInputSerializer):
    contact = serializers.CharField(help_text="Contact identifier: id:<n>, email:<address> or phone:<+E.164>.")
