"""The Respuestas report API: /api/v1/reports/responses/{summary,timeseries,log}.

Thin views on the framework's ``ReportApi``: the declared filters are parsed once, a selector
of ``reports.responses`` answers, the serializers below render (and document) the shape. Every
time is in whole seconds (``null`` = nothing to measure), in calendar time and in business hours.
"""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

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
from .responses import (
    DISTRIBUTION_BINS,
    FILTERS,
    response_log_page,
    response_summary,
    response_timeseries,
)

SCOPE_NOTE = (
    " Session or Bearer token. Owners, managers and API tokens see the whole workspace; an agent sees only "
    "their own responses (they are the responder). Times are whole seconds, in calendar time and in business "
    "hours (equal when business hours are off). Definitions: docs/reports.md \"Respuestas\"."
)


class DurationSerializer(serializers.Serializer):
    calendar = serializers.IntegerField(allow_null=True, help_text="Whole seconds of calendar time; null = none.")
    business = serializers.IntegerField(allow_null=True, help_text="Whole seconds inside business hours; null = none.")


class CountFigureSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=STATES)
    value = serializers.IntegerField()
    previous = serializers.IntegerField(help_text="The same count in the previous period of equal length.")


class FirstResponseFiguresSerializer(serializers.Serializer):
    median = DurationSerializer(help_text="Median: the middle value, or the mean of the two middle ones rounded down.")
    p90 = DurationSerializer(help_text="90th percentile, nearest rank (position ceil(0.9 n) of the ascending list).")
    average = DurationSerializer(help_text="Average, rounded half up to the second.")


class FirstResponseTimeSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=STATES)
    median = DurationSerializer()
    p90 = DurationSerializer()
    average = DurationSerializer()
    previous = FirstResponseFiguresSerializer(help_text="The same figures in the previous period.")


class ResponseTimeSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=STATES)
    average = DurationSerializer()
    previous_average = DurationSerializer(help_text="The average response time of the previous period.")


class DistributionBinSerializer(serializers.Serializer):
    key = serializers.ChoiceField(choices=[key for key, *_ in DISTRIBUTION_BINS])
    label = serializers.CharField()
    from_seconds = serializers.IntegerField(help_text="Lower bound, included.")
    to_seconds = serializers.IntegerField(allow_null=True, help_text="Upper bound, excluded; null = no bound.")
    calendar = serializers.IntegerField(help_text="First responses whose calendar time falls in the bin.")
    business = serializers.IntegerField(help_text="First responses whose business-hours time falls in the bin.")


class ResponseAgentRowSerializer(serializers.Serializer):
    user = serializers.SerializerMethodField(help_text="The responder; null = a deleted user's responses.")
    responses = serializers.IntegerField()
    first_responses = serializers.IntegerField()
    first_response_median = DurationSerializer()
    first_response_average = DurationSerializer()
    response_average = DurationSerializer()

    @extend_schema_field(PersonSerializer(allow_null=True))
    def get_user(self, row) -> dict | None:
        return None if row.user_id is None else {"id": row.user_id, "name": row.name}


class ResponseSummarySerializer(serializers.Serializer):
    range = ReportRangeSerializer(source="period")
    state = serializers.ChoiceField(choices=STATES)
    previous_period = PreviousRangeSerializer()
    business_hours = serializers.BooleanField(help_text="False: business hours are off, business = calendar time.")
    first_responses = CountFigureSerializer()
    responses = CountFigureSerializer()
    first_response_time = FirstResponseTimeSerializer()
    response_time = ResponseTimeSerializer()
    distribution = DistributionBinSerializer(many=True)
    agents = ResponseAgentRowSerializer(many=True)


class ResponseBucketSerializer(serializers.Serializer):
    start = serializers.SerializerMethodField(help_text="Bucket start, ISO 8601 with the workspace's UTC offset.")
    first_responses = serializers.IntegerField()
    median = DurationSerializer(help_text="Median first response time of the bucket; null when it has none.")

    def get_start(self, bucket) -> str:
        return bucket.start.isoformat()


class ResponseTimeseriesSerializer(serializers.Serializer):
    range = ReportRangeSerializer(source="period")
    state = serializers.ChoiceField(choices=STATES)
    interval = serializers.ChoiceField(choices=INTERVALS)
    business_hours = serializers.BooleanField()
    buckets = ResponseBucketSerializer(many=True)


class ResponseRowSerializer(serializers.Serializer):
    conversation_id = serializers.IntegerField()
    contact_id = serializers.IntegerField()
    contact_name = serializers.CharField()
    channel = ChannelSerializer(allow_null=True)
    opened_at = serializers.CharField(help_text="ISO 8601 with the workspace's UTC offset.")
    first_response_at = serializers.CharField(help_text="ISO 8601 with the workspace's UTC offset.")
    responder = PersonSerializer()
    first_response_seconds = serializers.IntegerField()
    first_response_business_seconds = serializers.IntegerField()


class ResponseLogSerializer(ReportLogSerializer):
    results = ResponseRowSerializer(many=True, source="rows")


ENDPOINTS = ReportEndpoints(
    key="responses", filters=FILTERS, scope_note=SCOPE_NOTE,
    summary=(response_summary, ResponseSummarySerializer, "Respuestas: first response and response times, histogram, per agent",
             "Cards, trend, distribution of first response times and the per-agent table of "
                   "the Respuestas report."),
    timeseries=(response_timeseries, ResponseTimeseriesSerializer, "Respuestas: first responses and their median time per time bucket",
                "Every bucket of the range, zeros included; bucket counts add up to the first "
                   "responses card."),
    log=(response_log_page, ResponseLogSerializer, "Respuestas: the conversations first answered in the period",
         "Newest first response first; only the newest 10000 rows are reachable (Data "
                   "Export has no cap)."),
)
urlpatterns = report_api_urls(ENDPOINTS)
