"""The Conversaciones report API: /api/v1/reports/conversations/{summary,timeseries,log}.

Thin views on the framework's ``ReportApi``: the declared filters are parsed once, a selector
of ``reports.conversations`` answers, the serializers below render (and document) the shape.
"""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from .conversations import (
    CLOSING_SOURCES,
    FILTERS,
    OPENING_SOURCES,
    conversation_log_page,
    conversation_summary,
    conversation_timeseries,
)
from .framework.api import (
    ERRORS,
    INTERVAL_PARAMETER,
    LOG_PAGE_PARAMETERS,
    ReportApi,
    report_parameters,
)
from .framework.buckets import INTERVALS
from .framework.query import log_page_parse
from .framework.serializers import (
    ChannelSerializer,
    PersonSerializer,
    PreviousRangeSerializer,
    ReportLogSerializer,
    ReportRangeSerializer,
)
from .framework.states import STATES

PARAMETERS = report_parameters(list(FILTERS))
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


class ConversationReportApi(ReportApi):
    filters = FILTERS


class ConversationSummaryApi(ConversationReportApi):
    @extend_schema(operation_id="reports_conversations_summary", tags=["reports"],
                   summary="Conversaciones: opened, closed and open at period end; by source",
                   description="Cards, trend and pies of the Conversaciones report." + SCOPE_NOTE,
                   parameters=PARAMETERS, responses={200: ConversationSummarySerializer, **ERRORS})
    def get(self, request):
        actor, query = self.open(request)
        summary = conversation_summary(workspace=actor.workspace, actor=actor, query=query)
        return Response(ConversationSummarySerializer(summary).data)


class ConversationTimeseriesApi(ConversationReportApi):
    @extend_schema(operation_id="reports_conversations_timeseries", tags=["reports"],
                   summary="Conversaciones: opened and closed per time bucket",
                   description="Every bucket of the range, zeros included; bucket sums equal the cards." + SCOPE_NOTE,
                   parameters=[*PARAMETERS, INTERVAL_PARAMETER],
                   responses={200: ConversationTimeseriesSerializer, **ERRORS})
    def get(self, request):
        actor, query = self.open(request)
        series = conversation_timeseries(workspace=actor.workspace, actor=actor, query=query)
        return Response(ConversationTimeseriesSerializer(series).data)


class ConversationLogApi(ConversationReportApi):
    @extend_schema(operation_id="reports_conversations_log", tags=["reports"],
                   summary="Conversaciones: the conversations opened in the period",
                   description="Newest first; only the newest 10000 rows are reachable (Data Export has no cap)."
                   + SCOPE_NOTE,
                   parameters=[*PARAMETERS, *LOG_PAGE_PARAMETERS],
                   responses={200: ConversationLogSerializer, **ERRORS})
    def get(self, request):
        actor, query = self.open(request)
        page, page_size = log_page_parse(request.query_params)
        log = conversation_log_page(workspace=actor.workspace, actor=actor, query=query, page=page,
                                    page_size=page_size)
        return Response(ConversationLogSerializer(log, context={"request": request}).data)
