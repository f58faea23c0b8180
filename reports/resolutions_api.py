"""The Resoluciones report API: /api/v1/reports/resolutions/{summary,timeseries,log}.

Thin views on the framework's ``ReportApi``: the declared filters are parsed once, a selector
of ``reports.resolutions`` answers, the serializers below render (and document) the shape.
"""

from rest_framework import serializers

from contacts.models import ConversationSource

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
from .resolutions import (
    FILTERS,
    METRICS,
    resolution_log_page,
    resolution_summary,
    resolution_timeseries,
)

# Every conversation source, as the Conversaciones API names them: one enum in the schema
# (only the closing sources occur here).
SOURCES = sorted(ConversationSource.values)
SCOPE_NOTE = (
    " Session or Bearer token. Owners, managers and API tokens see the whole workspace; an agent sees the "
    "conversations they owned when they closed. Times are whole seconds (null: no time, e.g. a conversation "
    "opened before lifecycle recording). Definitions: docs/reports.md \"Resoluciones\"."
)


class ResolutionMetricSerializer(serializers.Serializer):
    key = serializers.ChoiceField(choices=list(METRICS))
    label = serializers.CharField()
    unit = serializers.ChoiceField(choices=("count", "percent", "seconds"))
    state = serializers.ChoiceField(choices=STATES)
    value = serializers.FloatField(allow_null=True, help_text="Counts, percents (2 decimals) or whole seconds.")
    previous = serializers.FloatField(allow_null=True, help_text="The same metric in the previous period.")

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if instance.unit != "percent":  # counts and seconds are whole numbers on the wire
            data["value"] = instance.value
            data["previous"] = instance.previous
        return data


class ShareSerializer(serializers.Serializer):
    source = serializers.ChoiceField(choices=SOURCES)
    label = serializers.CharField()
    count = serializers.IntegerField()
    percent = serializers.FloatField(help_text="Percent of Resueltas, 2 decimals, adding to 100.")


class AgentRowSerializer(serializers.Serializer):
    assignee = PersonSerializer(allow_null=True, help_text="The owner at close; null = Sin asignar.")
    resolved = serializers.IntegerField()
    median_seconds = serializers.IntegerField(allow_null=True)
    average_seconds = serializers.IntegerField(allow_null=True)
    business_median_seconds = serializers.IntegerField(allow_null=True)
    business_average_seconds = serializers.IntegerField(allow_null=True)
    fcr = serializers.IntegerField()
    fcr_rate = serializers.FloatField(allow_null=True)
    reopened = serializers.IntegerField()


class ResolutionSummarySerializer(serializers.Serializer):
    range = ReportRangeSerializer(source="period")
    state = serializers.ChoiceField(choices=STATES)
    previous_period = PreviousRangeSerializer()
    business_hours = serializers.BooleanField(
        help_text="False when business hours are off or not set up: business-hours times equal calendar times.")
    metrics = ResolutionMetricSerializer(many=True)
    by_closing_source = ShareSerializer(many=True)
    agents = AgentRowSerializer(many=True)


class ResolutionBucketSerializer(serializers.Serializer):
    start = serializers.SerializerMethodField(help_text="Bucket start, ISO 8601 with the workspace's UTC offset.")
    resolved = serializers.IntegerField()
    median_seconds = serializers.IntegerField(allow_null=True)
    business_median_seconds = serializers.IntegerField(allow_null=True)

    def get_start(self, bucket) -> str:
        return bucket.start.isoformat()


class ResolutionTimeseriesSerializer(serializers.Serializer):
    range = ReportRangeSerializer(source="period")
    state = serializers.ChoiceField(choices=STATES)
    interval = serializers.ChoiceField(choices=INTERVALS)
    buckets = ResolutionBucketSerializer(many=True)


class ClosedBySerializer(serializers.Serializer):
    source = serializers.ChoiceField(choices=SOURCES)
    label = serializers.CharField()
    user = PersonSerializer(allow_null=True)


class ResolutionRowSerializer(serializers.Serializer):
    conversation_id = serializers.IntegerField()
    contact_id = serializers.IntegerField()
    contact_name = serializers.CharField()
    channel = ChannelSerializer(allow_null=True)
    opened_at = serializers.CharField(allow_null=True, help_text="ISO 8601 with the workspace offset; null when "
                                      "the conversation opened before lifecycle recording.")
    closed_at = serializers.CharField(help_text="ISO 8601 with the workspace's UTC offset.")
    closed_by = ClosedBySerializer()
    assignee = PersonSerializer(allow_null=True, help_text="The owner at close; null = Sin asignar.")
    resolution_seconds = serializers.IntegerField(allow_null=True)
    business_seconds = serializers.IntegerField(allow_null=True)
    assignments = serializers.IntegerField(help_text="Assignments to a person during the conversation.")
    fcr = serializers.BooleanField()
    reopened = serializers.BooleanField()
    closing_note = serializers.CharField(allow_blank=True)


class ResolutionLogSerializer(ReportLogSerializer):
    results = ResolutionRowSerializer(many=True, source="rows")


ENDPOINTS = ReportEndpoints(
    key="resolutions", filters=FILTERS, scope_note=SCOPE_NOTE,
    summary=(resolution_summary, ResolutionSummarySerializer, "Resoluciones: resolved, resolution times, FCR, reopened; per agent and closing source",
             "Cards, trend, the closing-source pie and the per-agent table."),
    timeseries=(resolution_timeseries, ResolutionTimeseriesSerializer, "Resoluciones: resolved and median resolution time per time bucket",
                "Every bucket of the range, zeros included; bucket counts add up to Resueltas."),
    log=(resolution_log_page, ResolutionLogSerializer, "Resoluciones: the conversations closed in the period",
         "Newest close first; only the newest 10000 rows are reachable (Data Export has no cap)."),
)
urlpatterns = report_api_urls(ENDPOINTS)
