"""The Conversaciones report API: /api/v1/reports/conversations/{summary,timeseries,log}.

Thin views on the framework's ``ReportApi``: the declared filters are parsed once, a selector
of ``reports.conversations`` answers, the serializers below render (and document) the shape.
"""

from rest_framework import serializers

from .conversations import (
    CLOSING_SOURCES,
    FILTERS,
    OPENING_SOURCES,
    conversation_log_page,
    conversation_summary,
    conversation_timeseries,
)
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
    " Session or Bearer token. Owners, managers and API tokens see the whole workspace; an agent sees the "
    "conversations they own (the assignee when it closed, or the contact's assignee while open). "
    "Definitions: docs/reports.md \"Conversaciones\"."
)
SOURCES = sorted(set(OPENING_SOURCES) | set(CLOSING_SOURCES))


class ConversationShareSerializer(serializers.Serializer):
    source = serializers.ChoiceField(choices=SOURCES)
    label = serializers.CharField()
    count = serializers.IntegerField()
    percent = serializers.FloatField(help_text="Percent of the metric's total, 2 decimals, adding to 100.")


class ConversationMetricSerializer(serializers.Serializer):
    key = serializers.ChoiceField(choices=("opened", "closed", "open_at_end"))
    label = serializers.CharField()
    state = serializers.ChoiceField(choices=STATES)
    value = serializers.IntegerField()
    previous = serializers.IntegerField(help_text="The same metric in the previous period of equal length.")


class ConversationSummarySerializer(serializers.Serializer):
    range = ReportRangeSerializer(source="period")
    state = serializers.ChoiceField(choices=STATES)
    previous_period = PreviousRangeSerializer()
    metrics = ConversationMetricSerializer(many=True)
    opened_by_source = ConversationShareSerializer(many=True)
    closed_by_source = ConversationShareSerializer(many=True)


class ConversationBucketSerializer(serializers.Serializer):
    start = serializers.SerializerMethodField(help_text="Bucket start, ISO 8601 with the workspace's UTC offset.")
    opened = serializers.IntegerField()
    closed = serializers.IntegerField()

    def get_start(self, bucket) -> str:
        return bucket.start.isoformat()


class ConversationTimeseriesSerializer(serializers.Serializer):
    range = ReportRangeSerializer(source="period")
    state = serializers.ChoiceField(choices=STATES)
    interval = serializers.ChoiceField(choices=INTERVALS)
    buckets = ConversationBucketSerializer(many=True)


class ByWhomSerializer(serializers.Serializer):
    source = serializers.ChoiceField(choices=SOURCES)
    label = serializers.CharField()
    user = PersonSerializer(allow_null=True)


class ConversationRowSerializer(serializers.Serializer):
    conversation_id = serializers.IntegerField()
    contact_id = serializers.IntegerField()
    contact_name = serializers.CharField()
    channel = ChannelSerializer(allow_null=True)
    opened_at = serializers.CharField(help_text="ISO 8601 with the workspace's UTC offset.")
    opened_by = ByWhomSerializer()
    closed_at = serializers.CharField(allow_null=True)
    closed_by = ByWhomSerializer(allow_null=True)
    assignee = PersonSerializer(allow_null=True, help_text="The owner; null = Sin asignar.")
    closing_note = serializers.CharField(allow_blank=True)


class ConversationLogSerializer(ReportLogSerializer):
    results = ConversationRowSerializer(many=True, source="rows")


ENDPOINTS = ReportEndpoints(
    key="conversations", filters=FILTERS, scope_note=SCOPE_NOTE,
    summary=(conversation_summary, ConversationSummarySerializer, "Conversaciones: opened, closed and open at period end; by source",
             "Cards, trend and pies of the Conversaciones report."),
    timeseries=(conversation_timeseries, ConversationTimeseriesSerializer, "Conversaciones: opened and closed per time bucket",
                "Every bucket of the range, zeros included; bucket sums equal the cards."),
    log=(conversation_log_page, ConversationLogSerializer, "Conversaciones: the conversations opened in the period",
         "Newest first; only the newest 10000 rows are reachable (Data Export has no cap)."),
)
urlpatterns = report_api_urls(ENDPOINTS)
