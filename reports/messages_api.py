"""The Mensajes report API: /api/v1/reports/messages/{summary,timeseries,log}.

Thin views on the framework's ``ReportApi``: the declared filters are parsed once, a selector
of ``reports.messages`` answers, the serializers below render (and document) the shape.
"""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from contacts.models import DeliveryStatus

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
from .messages import (
    DIRECTIONS,
    FILTERS,
    SENDER_KINDS,
    SENT_KINDS,
    message_log_page,
    message_summary,
    message_timeseries,
)

SCOPE_NOTE = (
    " Session or Bearer token. Owners, managers and API tokens see the whole workspace; an agent sees the "
    "messages they wrote plus every message of conversations whose contact is assigned to them now. With an "
    "`agent` or `team` filter received messages (no author) are `not_applicable`. `failed` counts the sent "
    "messages whose delivery status is failed now. Definitions: docs/reports.md \"Mensajes\"."
)


class MessageCountSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=STATES)
    value = serializers.IntegerField()
    previous = serializers.IntegerField(help_text="The same count in the previous period of equal length.")


class SentKindSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=[str(k) for k in SENT_KINDS])
    label = serializers.CharField()
    value = serializers.IntegerField()
    previous = serializers.IntegerField()


class MessageChannelRowSerializer(serializers.Serializer):
    channel = serializers.SerializerMethodField(help_text="The conversation's channel; null = no channel.")
    received = serializers.IntegerField()
    sent = serializers.IntegerField()
    failed = serializers.IntegerField(help_text="Sent messages of this channel whose delivery status is failed now.")

    @extend_schema_field(ChannelSerializer(allow_null=True))
    def get_channel(self, row) -> dict | None:
        return None if row.channel_id is None else {"id": row.channel_id, "name": row.name}


class HeatMapSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=STATES)
    timezone = serializers.CharField(help_text="Weekdays and hours are read in this (the workspace's) timezone.")
    total = serializers.IntegerField(help_text="Received messages in the map (= the received card).")
    cells = serializers.ListField(child=serializers.ListField(child=serializers.IntegerField()),
                                  help_text="7 rows, Monday first, of 24 counts (local hours 0–23).")


class MessageSummarySerializer(serializers.Serializer):
    range = ReportRangeSerializer(source="period")
    state = serializers.ChoiceField(choices=STATES)
    previous_period = PreviousRangeSerializer()
    received = MessageCountSerializer(help_text="Messages from contacts (direction in).")
    sent = MessageCountSerializer(help_text="Messages to contacts (direction out), every sender kind.")
    failed = MessageCountSerializer(help_text="Sent messages whose delivery status is failed now (its state is "
                                              "the sent figure's).")
    sent_by_kind = SentKindSerializer(many=True)
    channels = MessageChannelRowSerializer(many=True)
    heatmap = HeatMapSerializer()


class SentByKindSerializer(serializers.Serializer):
    user = serializers.IntegerField()
    workflow = serializers.IntegerField()
    bot = serializers.IntegerField()
    api = serializers.IntegerField()
    broadcast = serializers.IntegerField()


class MessageBucketSerializer(serializers.Serializer):
    start = serializers.SerializerMethodField(help_text="Bucket start, ISO 8601 with the workspace's UTC offset.")
    received = serializers.IntegerField()
    sent = serializers.IntegerField()
    sent_by_kind = SentByKindSerializer()

    def get_start(self, bucket) -> str:
        return bucket.start.isoformat()


class MessageTimeseriesSerializer(serializers.Serializer):
    range = ReportRangeSerializer(source="period")
    state = serializers.ChoiceField(choices=STATES)
    interval = serializers.ChoiceField(choices=INTERVALS)
    buckets = MessageBucketSerializer(many=True)


class MessageRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    created_at = serializers.CharField(help_text="ISO 8601 with the workspace's UTC offset.")
    conversation_id = serializers.IntegerField()
    contact_id = serializers.IntegerField()
    contact_name = serializers.CharField()
    channel = ChannelSerializer(allow_null=True)
    direction = serializers.ChoiceField(choices=[str(d) for d in DIRECTIONS])
    sender_kind = serializers.ChoiceField(choices=[str(k) for k in SENDER_KINDS])
    author = PersonSerializer(allow_null=True, help_text="A person's message only; null otherwise.")
    delivery_status = serializers.ChoiceField(choices=DeliveryStatus.values, allow_null=True,
                                              help_text="As the channel reported it; null when the message has none.")
    delivery_error = serializers.CharField(allow_blank=True, help_text="Why it failed (failed only).")


class MessageLogSerializer(ReportLogSerializer):
    results = MessageRowSerializer(many=True, source="rows")


ENDPOINTS = ReportEndpoints(
    key="messages", filters=FILTERS, scope_note=SCOPE_NOTE,
    summary=(message_summary, MessageSummarySerializer, "Mensajes: received and sent, by sender kind, channel, heat map",
             "Cards (received, sent, failed, sent by sender kind), the per-channel table and the busiest hours of "
             "received messages (weekday × hour in the workspace timezone)."),
    timeseries=(message_timeseries, MessageTimeseriesSerializer, "Mensajes: received and sent per time bucket",
                "Every bucket of the range, zeros included; bucket sums equal the cards."),
    log=(message_log_page, MessageLogSerializer, "Mensajes: the messages of the period",
         "Newest first; only the newest 10000 rows are reachable (Data Export has no cap)."),
)
urlpatterns = report_api_urls(ENDPOINTS)
