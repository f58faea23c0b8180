"""Segment filters: their validation (one canonical form) and the contacts they select.

The filters are the Contactos list's (search, assignee, custom field) plus tags, the channel a
contact wrote through and the creation dates. Every filter narrows (AND); ``tags`` needs every
listed tag. ``custom_field`` is ``{"key", "value"}``: the contact's value of that custom field
equals it, trimmed and case-insensitive (``Oro`` = `` oro ``; a contact without a value never
matches; contacts.custom_fields).
"""

from datetime import date, datetime, time, timedelta

from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from accounts.models import Workspace
from accounts.selectors import member_user_get
from contacts.custom_fields import MAX_VALUE, contacts_with_value, value_text
from contacts.models import Contact, Conversation, CustomField
from contacts.selectors import contact_search
from integrations.models import Channel

FILTER_KEYS = ("search", "tags", "assignee", "channel", "created_from", "created_to", "custom_field")
MAX_TAGS = 20


class BroadcastInputError(ValueError):
    """Input a broadcast or segment cannot take; ``field`` names it (the API's ``errors`` key)."""

    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.message = message
        self.field = field


def _id(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 < value < 2**62 else None
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) <= 18:
        return int(value.strip()) or None
    return None


def _date(value, field: str) -> str:
    if not isinstance(value, str):
        raise BroadcastInputError(_("Dates are written YYYY-MM-DD."), field=field)
    try:
        return date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        raise BroadcastInputError(_("Dates are written YYYY-MM-DD."), field=field) from None


def segment_filters_clean(*, workspace: Workspace, filters) -> dict:
    """The canonical filters, or ``BroadcastInputError`` naming the bad one (``filters.<key>``).

    Ids must belong to the workspace (another workspace's member or channel is unknown here).
    """
    if not isinstance(filters, dict):
        raise BroadcastInputError(_("filters must be an object."), field="filters")
    unknown = sorted(set(filters) - set(FILTER_KEYS))
    if unknown:
        raise BroadcastInputError(
            _("Unknown filter: %(name)s. Filters: %(known)s.") % {"name": unknown[0], "known": ", ".join(FILTER_KEYS)},
            field=f"filters.{unknown[0]}",
        )
    clean: dict = {}
    search = filters.get("search")
    if search not in (None, ""):
        if not isinstance(search, str) or len(search) > 200:
            raise BroadcastInputError(_("search is a text of at most 200 characters."), field="filters.search")
        if search.replace("\x00", "").strip():
            clean["search"] = search.replace("\x00", "").strip()
    tags = filters.get("tags")
    if tags not in (None, []):
        if isinstance(tags, str):
            tags = [tags]
        if (not isinstance(tags, list) or len(tags) > MAX_TAGS
                or not all(isinstance(t, str) and 0 < len(t.strip()) <= 100 for t in tags)):
            raise BroadcastInputError(
                _("tags is a list of at most %(n)s tags.") % {"n": MAX_TAGS}, field="filters.tags"
            )
        clean["tags"] = sorted({t.strip().replace("\x00", "") for t in tags})
    assignee = filters.get("assignee")
    if assignee not in (None, ""):
        if assignee == "none":
            clean["assignee"] = "none"
        else:
            user = member_user_get(workspace=workspace, ref=assignee) if _id(assignee) else None
            if user is None:
                raise BroadcastInputError(_("No member of this workspace has that id."), field="filters.assignee")
            clean["assignee"] = user.pk
    channel = filters.get("channel")
    if channel not in (None, ""):
        channel_id = _id(channel)
        if channel_id is None or not Channel.objects.filter(workspace=workspace, pk=channel_id).exists():
            raise BroadcastInputError(_("This workspace has no channel with that id."), field="filters.channel")
        clean["channel"] = channel_id
    for key in ("created_from", "created_to"):
        if filters.get(key) not in (None, ""):
            clean[key] = _date(filters[key], f"filters.{key}")
    if "created_from" in clean and "created_to" in clean and clean["created_from"] > clean["created_to"]:
        raise BroadcastInputError(_("created_from is after created_to."), field="filters.created_to")
    custom = filters.get("custom_field")
    if custom not in (None, "", {}):
        clean["custom_field"] = custom_field_filter_clean(workspace=workspace, value=custom)
    return clean


def custom_field_filter_clean(*, workspace: Workspace, value) -> dict:
    """``{"key": <a custom field of the workspace>, "value": <text>}``, the value trimmed."""
    if not isinstance(value, dict) or set(value) - {"key", "value"}:
        raise BroadcastInputError(_("custom_field is an object with key and value."), field="filters.custom_field")
    key = value.get("key")
    if not isinstance(key, str) or not CustomField.objects.filter(workspace=workspace, key=key.strip()).exists():
        raise BroadcastInputError(_("This workspace has no custom field with that key."),
                                  field="filters.custom_field.key")
    text = value.get("value")
    if not isinstance(text, str) or not value_text(text) or len(text.strip()) > MAX_VALUE:
        raise BroadcastInputError(
            _("The value is a text of 1 to %(n)s characters.") % {"n": MAX_VALUE}, field="filters.custom_field.value"
        )
    return {"key": key.strip(), "value": value_text(text)}


def _has_tag(qs: QuerySet[Contact], tag: str) -> QuerySet[Contact]:
    if connection.vendor == "postgresql":
        return qs.filter(tags__contains=[tag])  # jsonb @> (no index: a segment is evaluated once per send)
    # SQLite has no JSON containment: the same test with json_each.
    return qs.extra(  # noqa: S610 - the tag is a bound parameter
        where=["EXISTS (SELECT 1 FROM json_each(contacts_contact.tags) WHERE json_each.value = %s)"], params=[tag]
    )


def segment_contacts(*, workspace: Workspace, filters: dict) -> QuerySet[Contact]:
    """The workspace's contacts the (clean) filters select, every contact of the workspace
    (segments are an admin's tool: no agent visibility applies). Unordered."""
    qs = contact_search(workspace=workspace, user=None, is_admin=True, text=filters.get("search", "")).order_by()
    for tag in filters.get("tags", []):
        qs = _has_tag(qs, tag)
    assignee = filters.get("assignee")
    if assignee == "none":
        qs = qs.filter(assignee__isnull=True)
    elif assignee is not None:
        qs = qs.filter(assignee_id=assignee)
    if "channel" in filters:
        qs = qs.filter(contact_has_channel(filters["channel"]))
    if "custom_field" in filters:
        qs = contacts_with_value(qs, key=filters["custom_field"]["key"], value=filters["custom_field"]["value"])
    tz = workspace.tzinfo
    # Calendar days of the workspace: [start of created_from, start of the day after created_to).
    if "created_from" in filters:
        start = datetime.combine(date.fromisoformat(filters["created_from"]), time.min, tzinfo=tz)
        qs = qs.filter(created_at__gte=start)
    if "created_to" in filters:
        end = datetime.combine(date.fromisoformat(filters["created_to"]) + timedelta(days=1), time.min, tzinfo=tz)
        qs = qs.filter(created_at__lt=end)
    return qs


def contact_has_channel(channel_id: int) -> Q:
    """Contacts who have written through the channel (a conversation opened through it): the
    channel knows how to reach them."""
    return Q(Exists(Conversation.objects.filter(contact_id=OuterRef("pk"), channel_id=channel_id)))
