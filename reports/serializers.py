"""Output shapes of the report API (api.md "Reports: Asignaciones"), for rendering and the schema."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from assignments.models import AssignmentSource

from .framework.api import ReportErrorSerializer  # noqa: F401  (the schema's error shape)
from .framework.serializers import PersonSerializer, ReportLogSerializer, ReportRangeSerializer
from .framework.states import STATES

AssignmentReportRangeSerializer = ReportRangeSerializer


class AssignmentSourceShareSerializer(serializers.Serializer):
    source = serializers.ChoiceField(choices=AssignmentSource.values)
    label = serializers.CharField(help_text="The source's label in the workspace language (es: Usuario, en: User).")
    count = serializers.IntegerField()
    percent = serializers.FloatField(help_text="Percent of the total, 2 decimals; the percents add up to 100.")


class AssignmentPreviousPeriodSerializer(serializers.Serializer):
    """Rendered from the whole ``AssignmentSummary`` (``source="*"``)."""

    start = serializers.DateField(source="previous_period.start")
    end = serializers.DateField(source="previous_period.end")
    total = serializers.IntegerField(source="previous_total",
                                     help_text="Events of the previous period of equal length, same filters.")


class AssignmentDistinctSerializer(serializers.Serializer):
    contacts = serializers.IntegerField(help_text="Different contacts among the matching events.")
    conversations = serializers.IntegerField(
        help_text="Different conversations among the matching events (events outside a conversation add none).")


class AssignmentSummarySerializer(serializers.Serializer):
    """Renders ``reports.selectors.AssignmentSummary``."""

    range = AssignmentReportRangeSerializer(source="period")
    state = serializers.ChoiceField(choices=STATES)
    total = serializers.IntegerField(help_text="Matching events; unassignments count as assignments.")
    by_source = AssignmentSourceShareSerializer(many=True, help_text="Only sources with at least one event, largest first.")
    previous_period = AssignmentPreviousPeriodSerializer(source="*")
    distinct = AssignmentDistinctSerializer(
        required=False, help_text="Only with `include=distinct`: distinct contacts and conversations of the same events.")

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if data.get("distinct") is None:
            # Asked for with include=distinct only; otherwise the answer is api.md's shape exactly.
            data.pop("distinct", None)
        return data


class AssignmentBucketSerializer(serializers.Serializer):
    start = serializers.SerializerMethodField(help_text="Bucket start, ISO 8601 with the workspace's UTC offset.")
    total = serializers.IntegerField()
    counts = serializers.DictField(
        child=serializers.IntegerField(),
        help_text="Count per source; every source present in the range appears (0 where absent).",
    )

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_start(self, bucket) -> str:
        # In the workspace offset as computed (DRF's DateTimeField would convert to the server zone).
        return bucket.start.isoformat()


class AssignmentSourceLabelSerializer(serializers.Serializer):
    source = serializers.ChoiceField(choices=AssignmentSource.values)
    label = serializers.CharField()


class AssignmentTimeseriesSerializer(serializers.Serializer):
    """Renders ``reports.selectors.AssignmentTimeseries``."""

    range = AssignmentReportRangeSerializer(source="period")
    state = serializers.ChoiceField(choices=STATES)
    interval = serializers.ChoiceField(choices=("hour", "day", "week", "month"))
    sources = serializers.SerializerMethodField(help_text="Sources present in the range, largest first (the legend).")
    buckets = AssignmentBucketSerializer(many=True, help_text="Every bucket of the range, zeros included, oldest first.")

    @extend_schema_field(AssignmentSourceLabelSerializer(many=True))
    def get_sources(self, series) -> list[dict]:
        from .rows import source_label

        return [{"source": s, "label": source_label(s)} for s in series.sources]


AssignmentPersonSerializer = PersonSerializer


class AssignmentLogRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    timestamp = serializers.DateTimeField(help_text="ISO 8601 with the workspace's UTC offset.")
    conversation_id = serializers.IntegerField(allow_null=True)
    contact_id = serializers.IntegerField()
    contact_name = serializers.CharField()
    previous_assignee = AssignmentPersonSerializer(allow_null=True)
    new_assignee = AssignmentPersonSerializer(allow_null=True, help_text="null for an unassignment.")
    source = serializers.ChoiceField(choices=AssignmentSource.values)
    source_label = serializers.CharField()
    assigned_by = AssignmentPersonSerializer(allow_null=True, help_text="Only for source user; else null.")


class AssignmentLogSerializer(ReportLogSerializer):
    """Renders the Asignaciones ``LogPage`` (rows are ``AssignmentEvent``)."""

    results = serializers.SerializerMethodField()

    @extend_schema_field(AssignmentLogRowSerializer(many=True))
    def get_results(self, log) -> list[dict]:
        from .rows import log_row

        tz = log.period.tz
        return [log_row(event, tz=tz) for event in log.rows]
