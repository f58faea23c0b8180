"""Asignaciones beyond the log, in the API: ``/api/v1/reports/assignments/first-assignment``,
``reassignments`` (and ``reassignments.csv``) and ``assignment-to-close``.

Thin views on the framework's ``ReportApi``: the Asignaciones parameters (period, the five
filters, ``interval``) are parsed once by ``report_params_parse`` (every 400), a selector of
``reports.assignment_analysis`` answers, the serializers below render (and document) the shape.
Definitions: docs/reports.md "Asignaciones: time to first assignment, reassignments, assignment
to close".
"""

from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from assignments.models import AssignmentSource
from crm.api import ApiError

from .assignment_analysis import (
    REASSIGNMENT_CSV_COLUMNS,
    REASSIGNMENT_TABLE_DEFAULT,
    REASSIGNMENT_TABLE_MAX,
    assignment_to_close_report,
    first_assignment_report,
    reassignment_csv_rows,
    reassignment_report,
)
from .framework.api import ERRORS, INTERVAL_PARAMETER, ReportApi, report_parameters
from .framework.buckets import INTERVALS
from .framework.downloads import csv_download
from .framework.query import LOG_ROW_CAP, error_message, query_scalar
from .framework.serializers import PersonSerializer, ReportRangeSerializer
from .framework.states import STATES
from .params import FILTERS, report_params_parse

SCOPE_NOTE = (
    " Session or Bearer token; the Asignaciones period and filters (the filters match the counted event). "
    "Owners, managers and API tokens see the whole workspace; an agent sees only rows whose counted event has "
    "them as the new or the previous assignee. States: `ok`, `no_data`, `not_applicable` (`assignee=none` "
    "alone: the counted events always assign a person; `assigned_by` with a `source` filter excluding `user`). "
    "Times are whole seconds. Definitions: docs/reports.md \"Asignaciones: time to first assignment, "
    "reassignments, assignment to close\"."
)


class AnalysisDurationSerializer(serializers.Serializer):
    calendar = serializers.IntegerField(allow_null=True, help_text="Whole seconds of calendar time; null = none.")
    business = serializers.IntegerField(allow_null=True, help_text="Whole seconds inside business hours; null = none.")


class FirstAssignmentSourceSerializer(serializers.Serializer):
    source = serializers.ChoiceField(choices=AssignmentSource.values)
    label = serializers.CharField(help_text="The source's label in the workspace language.")
    count = serializers.IntegerField()
    median = AnalysisDurationSerializer()
    average = AnalysisDurationSerializer()


class FirstAssignmentBucketSerializer(serializers.Serializer):
    start = serializers.DateTimeField(help_text="The bucket's start, ISO 8601 with the workspace offset.")
    count = serializers.IntegerField(help_text="First assignments in the bucket.")
    median = AnalysisDurationSerializer(help_text="Their median wait; null when the bucket has none.")

    def to_representation(self, bucket):
        data = super().to_representation(bucket)
        data["start"] = bucket.start.isoformat()
        return data


class FirstAssignmentSerializer(serializers.Serializer):
    """Renders ``reports.assignment_analysis.FirstAssignmentReport``."""

    range = ReportRangeSerializer(source="period")
    state = serializers.ChoiceField(choices=STATES)
    business_hours = serializers.BooleanField(
        help_text="False when business hours are off or not set up: business figures then equal calendar ones.")
    count = serializers.IntegerField(help_text="Conversations whose first assignment falls in the period.")
    median = AnalysisDurationSerializer(help_text="Median wait: the middle value, or the mean of the two middle ones "
                                                  "rounded down.")
    p90 = AnalysisDurationSerializer(help_text="90th percentile, nearest rank.")
    average = AnalysisDurationSerializer(help_text="Average, rounded half up to the second.")
    by_source = FirstAssignmentSourceSerializer(many=True, help_text="Per source of the first assignment, largest "
                                                                     "first; the counts add up to `count`.")
    interval = serializers.ChoiceField(choices=list(INTERVALS))
    buckets = FirstAssignmentBucketSerializer(many=True, help_text="Every bucket of the range; the counts add up "
                                                                   "to `count`.")


class AssigneeSpellSerializer(serializers.Serializer):
    assignee = PersonSerializer()
    assigned_at = serializers.DateTimeField()
    seconds = serializers.IntegerField(allow_null=True, help_text="Time with this assignee: to the conversation's "
                                                                  "next event, else its close; null = still with them.")


class ReassignedConversationSerializer(serializers.Serializer):
    conversation_id = serializers.IntegerField()
    contact_id = serializers.IntegerField()
    contact_name = serializers.CharField()
    assignments = serializers.IntegerField(help_text="The conversation's assignments to a person so far.")
    first_assignment_at = serializers.DateTimeField()
    last_assignment_at = serializers.DateTimeField()
    assignees = AssigneeSpellSerializer(many=True, source="spells", help_text="Every assignment to a person, in order.")
    log_query = serializers.DictField(child=serializers.CharField(),
                                      help_text="The Asignaciones page's query showing this conversation's events.")

    def to_representation(self, row):
        """The declared fields' rendering, built directly: a row carries every assignment of its
        conversation, and DRF's nested fields were most of the response time for 50 rows."""
        tz = self.context["tz"]

        def at(moment):
            return moment.astimezone(tz).isoformat(timespec="seconds")

        return {
            "conversation_id": row.conversation_id, "contact_id": row.contact_id, "contact_name": row.contact_name,
            "assignments": row.assignments, "first_assignment_at": at(row.first_assignment_at),
            "last_assignment_at": at(row.last_assignment_at),
            "assignees": [{"assignee": {"id": s.assignee["id"], "name": s.assignee["name"]},
                           "assigned_at": at(s.assigned_at), "seconds": s.seconds} for s in row.spells],
            "log_query": {key: str(value) for key, value in row.log_query.items()},
        }

    def drf_representation(self, row):
        """What DRF renders from the declared fields (tests compare it with ``to_representation``)."""
        data = super().to_representation(row)
        tz = self.context["tz"]
        data["first_assignment_at"] = row.first_assignment_at.astimezone(tz).isoformat(timespec="seconds")
        data["last_assignment_at"] = row.last_assignment_at.astimezone(tz).isoformat(timespec="seconds")
        for spell, out in zip(row.spells, data["assignees"], strict=True):
            out["assigned_at"] = spell.assigned_at.astimezone(tz).isoformat(timespec="seconds")
        return data


class ReassignmentSerializer(serializers.Serializer):
    range = ReportRangeSerializer(source="period")
    state = serializers.ChoiceField(choices=STATES)
    count = serializers.IntegerField(help_text="Conversaciones reasignadas: conversations whose second assignment "
                                               "to a person falls in the period.")
    limit = serializers.IntegerField()
    capped = serializers.BooleanField(help_text="True when more rows match than `limit` (the CSV has them all).")
    results = ReassignedConversationSerializer(many=True, help_text="Most assignments first.")


class AssigneeCloseRowSerializer(serializers.Serializer):
    assignee = PersonSerializer()
    count = serializers.IntegerField()
    median = serializers.IntegerField(allow_null=True)
    average = serializers.IntegerField(allow_null=True)
    median_business = serializers.IntegerField(allow_null=True)
    average_business = serializers.IntegerField(allow_null=True)


class AssignmentToCloseSerializer(serializers.Serializer):
    range = ReportRangeSerializer(source="period")
    state = serializers.ChoiceField(choices=STATES)
    business_hours = serializers.BooleanField(help_text="Fuera de Horario is on: the *_business figures count only "
                                                        "the workspace's business hours (else they equal calendar time).")
    count = serializers.IntegerField(help_text="Conversations closed in the period whose last event assigned a person.")
    median = serializers.IntegerField(allow_null=True, help_text="Median seconds from the last assignment to the close.")
    average = serializers.IntegerField(allow_null=True, help_text="Average seconds, rounded half up.")
    median_business = serializers.IntegerField(allow_null=True, help_text="The median in business hours.")
    average_business = serializers.IntegerField(allow_null=True, help_text="The average in business hours.")
    results = AssigneeCloseRowSerializer(many=True, help_text="One row per last assignee, most conversations first; "
                                                              "the counts add up to `count`.")


LIMIT_PARAMETER = OpenApiParameter(
    "limit", OpenApiTypes.INT, OpenApiParameter.QUERY, required=False, default=REASSIGNMENT_TABLE_DEFAULT,
    description=f"Table rows, default {REASSIGNMENT_TABLE_DEFAULT}, at most {REASSIGNMENT_TABLE_MAX}.",
)


def limit_parse(data) -> int:
    """The table's ``limit`` (1 to ``REASSIGNMENT_TABLE_MAX``); a 400 naming it otherwise."""
    errors: dict[str, list[str]] = {}
    raw = query_scalar(data, "limit", errors)
    if raw is not None and not errors and (not raw.isdigit() or not 1 <= int(raw[:9]) <= REASSIGNMENT_TABLE_MAX
                                          or len(raw) > 9):
        errors["limit"] = [_("A whole number from 1 to %(max)s.") % {"max": REASSIGNMENT_TABLE_MAX}]
    if errors:
        raise ApiError(error_message(errors, _("The report parameters are not valid.")), errors)
    return REASSIGNMENT_TABLE_DEFAULT if raw is None else int(raw)


class AnalysisApi(ReportApi):
    filters = FILTERS

    def parse(self, *, workspace, data):
        return report_params_parse(workspace=workspace, data=data)


class FirstAssignmentApi(AnalysisApi):
    @extend_schema(
        operation_id="reports_assignments_first_assignment", tags=["reports"],
        summary="Asignaciones: time to first assignment",
        description="Conversations whose first assignment to a person (while the contact was unassigned) falls in "
                    "the period: count, median / p90 / average wait since the opening in calendar time and business "
                    "hours, per source of the first assignment, and per time bucket (count and median)." + SCOPE_NOTE,
        parameters=[*report_parameters(list(FILTERS)), INTERVAL_PARAMETER],
        responses={200: FirstAssignmentSerializer, **ERRORS},
    )
    def get(self, request):
        actor, params = self.open(request)
        return Response(FirstAssignmentSerializer(
            first_assignment_report(workspace=actor.workspace, actor=actor, params=params)).data)


class ReassignmentsApi(AnalysisApi):
    @extend_schema(
        operation_id="reports_assignments_reassignments", tags=["reports"],
        summary="Asignaciones: reassigned conversations",
        description="Conversaciones reasignadas (conversations whose second assignment to a person falls in the "
                    "period) and the table of those conversations, most assignments first: assignees in order, "
                    "first and last assignment, time with each assignee." + SCOPE_NOTE,
        parameters=[*report_parameters(list(FILTERS)), LIMIT_PARAMETER],
        responses={200: ReassignmentSerializer, **ERRORS},
    )
    def get(self, request):
        actor, params = self.open(request)
        limit = limit_parse(request.query_params)
        report = reassignment_report(workspace=actor.workspace, actor=actor, params=params, limit=limit)
        return Response(ReassignmentSerializer(report, context={"tz": params.period.tz}).data)


class ReassignmentsCsvApi(AnalysisApi):
    @extend_schema(
        operation_id="reports_assignments_reassignments_csv", tags=["reports"],
        summary="Asignaciones: reassigned conversations as CSV",
        description=f"Every row of the reassigned-conversations table (at most {LOG_ROW_CAP}; the header "
                    "`X-Rows-Capped: true` says more match), as a `text/csv` attachment: UTF-8, RFC 4180, header row, "
                    f"columns {', '.join(REASSIGNMENT_CSV_COLUMNS)}." + SCOPE_NOTE,
        parameters=report_parameters(list(FILTERS)),
        responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY, description="The CSV file."), **ERRORS},
    )
    def get(self, request):
        actor, params = self.open(request)
        rows, capped = reassignment_csv_rows(workspace=actor.workspace, actor=actor, params=params)
        name = f"reasignaciones-{params.period.start.isoformat()}-{params.period.end.isoformat()}.csv"
        return csv_download(filename=name, header=REASSIGNMENT_CSV_COLUMNS, rows=rows,
                            extra_headers={"X-Rows-Capped": "true" if capped else "false",
                                           "Cache-Control": "private, no-store"})


class AssignmentToCloseApi(AnalysisApi):
    @extend_schema(
        operation_id="reports_assignments_assignment_to_close", tags=["reports"],
        summary="Asignaciones: time from the last assignment to the close, per assignee",
        description="Conversations closed in the period whose last event assigned a person: seconds from that "
                    "assignment to the close (calendar time and business hours), median and average, in total and per last assignee. "
                    "Open conversations are not counted." + SCOPE_NOTE,
        parameters=report_parameters(list(FILTERS)),
        responses={200: AssignmentToCloseSerializer, **ERRORS},
    )
    def get(self, request):
        actor, params = self.open(request)
        return Response(AssignmentToCloseSerializer(
            assignment_to_close_report(workspace=actor.workspace, actor=actor, params=params)).data)


urlpatterns = [
    path("reports/assignments/first-assignment", FirstAssignmentApi.as_view(),
         name="api-report-assignments-first-assignment"),
    path("reports/assignments/reassignments", ReassignmentsApi.as_view(), name="api-report-assignments-reassignments"),
    path("reports/assignments/reassignments.csv", ReassignmentsCsvApi.as_view(),
         name="api-report-assignments-reassignments-csv"),
    path("reports/assignments/assignment-to-close", AssignmentToCloseApi.as_view(),
         name="api-report-assignments-assignment-to-close"),
]
