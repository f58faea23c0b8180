"""The Contactos report API: /api/v1/reports/contacts/{summary,timeseries,log}.

Thin views on the framework's ``ReportApi``: the declared filters are parsed once, a selector
of ``reports.contacts_report`` answers, the serializers below render (and document) the shape.
"""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .contacts_report import FILTERS, ORIGINS, contact_log_page, contact_summary, contact_timeseries
from .framework.api import ReportEndpoints, report_api_urls
from .framework.buckets import INTERVALS
from .framework.serializers import (
    ChannelSerializer,
    PersonSerializer,
    PreviousRangeSerializer,
    ReportLogSerializer,
    ReportRangeSerializer,
)
from .framework.states import STATES

SCOPE_NOTE = (
    " Session or Bearer token. Owners, managers and API tokens see every contact; an agent sees the contacts "
    "they may see in Contactos and Mensajes (the workspace's agent visibility: by default the contacts assigned "
    "to them and the unassigned ones). Every filter is a fact of the contact. Merges are not recorded (there is "
    "no merge operation). Definitions: docs/reports.md \"Contactos\"."
)
ORIGIN_CHOICES = [str(o) for o in ORIGINS]


class ContactCountSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=STATES)
    value = serializers.IntegerField()
    previous = serializers.IntegerField(help_text="The same count in the previous period of equal length.")


class ContactOriginRowSerializer(serializers.Serializer):
    origin = serializers.ChoiceField(choices=ORIGIN_CHOICES)
    label = serializers.CharField()
    new = serializers.IntegerField()
    active = serializers.IntegerField()
    returning = serializers.IntegerField()
    percent = serializers.FloatField(help_text="Percent of the new contacts, 2 decimals, adding to 100.")


class ContactChannelRowSerializer(serializers.Serializer):
    channel = serializers.SerializerMethodField(help_text="The creation channel; null = not created through one.")
    new = serializers.IntegerField()
    active = serializers.IntegerField()
    returning = serializers.IntegerField()

    @extend_schema_field(ChannelSerializer(allow_null=True))
    def get_channel(self, row) -> dict | None:
        return None if row.channel_id is None else {"id": row.channel_id, "name": row.name}


class ContactSummarySerializer(serializers.Serializer):
    range = ReportRangeSerializer(source="period")
    state = serializers.ChoiceField(choices=STATES)
    previous_period = PreviousRangeSerializer()
    new = ContactCountSerializer(help_text="Contacts created in the period.")
    active = ContactCountSerializer(help_text="Contacts with a message (in or out) in the period.")
    returning = ContactCountSerializer(help_text="Active contacts created before the period.")
    first_seen = ContactCountSerializer(help_text="Contacts whose first incoming message ever is in the period.")
    origins = ContactOriginRowSerializer(many=True, help_text="Only origins with a contact; rows add up to the cards.")
    channels = ContactChannelRowSerializer(many=True)


class ContactBucketSerializer(serializers.Serializer):
    start = serializers.SerializerMethodField(help_text="Bucket start, ISO 8601 with the workspace's UTC offset.")
    new = serializers.IntegerField()
    active = serializers.IntegerField(help_text="Distinct contacts with a message in the bucket (does not add up).")
    first_seen = serializers.IntegerField()

    def get_start(self, bucket) -> str:
        return bucket.start.isoformat()


class ContactTimeseriesSerializer(serializers.Serializer):
    range = ReportRangeSerializer(source="period")
    state = serializers.ChoiceField(choices=STATES)
    interval = serializers.ChoiceField(choices=INTERVALS)
    buckets = ContactBucketSerializer(many=True)


class ContactRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    created_at = serializers.CharField(help_text="ISO 8601 with the workspace's UTC offset.")
    first_seen_at = serializers.CharField(allow_null=True, help_text="Null: never wrote in.")
    origin = serializers.ChoiceField(choices=ORIGIN_CHOICES)
    origin_label = serializers.CharField()
    channel = ChannelSerializer(allow_null=True, help_text="The creation channel.")
    assignee = PersonSerializer(allow_null=True, help_text="The assignee now.")
    messages = serializers.IntegerField(help_text="Messages of the contact in the period.")
    new = serializers.BooleanField()
    returning = serializers.BooleanField()


class ContactLogSerializer(ReportLogSerializer):
    results = ContactRowSerializer(many=True, source="rows")


ENDPOINTS = ReportEndpoints(
    key="contacts", filters=FILTERS, scope_note=SCOPE_NOTE,
    summary=(contact_summary, ContactSummarySerializer, "Contactos: new, active, returning and first seen contacts",
             "Cards (new, active, returning, first seen, with the previous period), by origin and by creation "
             "channel."),
    timeseries=(contact_timeseries, ContactTimeseriesSerializer, "Contactos: new, active and first seen per bucket",
                "Every bucket of the range, zeros included; new and first seen add up to the cards, active counts "
                "each contact once per bucket."),
    log=(contact_log_page, ContactLogSerializer, "Contactos: the period's new and returning contacts",
         "Newest contact first; only the newest 10000 rows are reachable (Data Export has no cap)."),
)
urlpatterns = report_api_urls(ENDPOINTS)
