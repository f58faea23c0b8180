"""The Tabla de Clasificación API: /api/v1/reports/leaderboard/{summary,log}.

Thin views on the framework's ``ReportApi``: ``team`` and ``sort`` are parsed once, a selector of
``reports.leaderboard`` answers, the serializers below render (and document) the shape. There is
no time series: the board ranks members over the whole period (docs/api.md).
"""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .framework.api import ReportEndpoints, report_api_urls
from .framework.serializers import (
    PersonSerializer,
    PreviousRangeSerializer,
    ReportLogSerializer,
    ReportRangeSerializer,
)
from .framework.states import STATES
from .leaderboard import (
    COLUMNS,
    DEFAULT_SORT,
    FILTERS,
    METRICS,
    leaderboard_log_page,
    leaderboard_summary,
)

SCOPE_NOTE = (
    " Session or Bearer token. One row per member of the workspace now (deleted users and former members have "
    "none). Owners, managers and API tokens see every row; an agent sees every row only when the workspace lets "
    "agents see the whole leaderboard (Configuraciones → Agentes), otherwise only their own row, ranked among the "
    "whole board. Times are whole seconds (null = nothing to measure). Definitions: docs/reports.md "
    "\"Tabla de Clasificación\"."
)

# The board's columns (the schema names them LeaderboardColumnEnum, crm/settings.py).
METRIC_KEYS = list(METRICS)


class LeaderboardFigureSerializer(serializers.Serializer):
    key = serializers.ChoiceField(choices=METRIC_KEYS)
    label = serializers.CharField()
    unit = serializers.ChoiceField(choices=["count", "seconds"])
    state = serializers.ChoiceField(choices=STATES)
    value = serializers.IntegerField(allow_null=True, help_text="Counts and time online add up the rows; medians "
                                                                "are over every time of the rows.")
    previous = serializers.IntegerField(allow_null=True, help_text="The same figure in the previous period.")


class LeaderboardChartRowSerializer(serializers.Serializer):
    user = serializers.SerializerMethodField()
    rank = serializers.IntegerField()
    value = serializers.IntegerField(allow_null=True, help_text="The row's value of the rank column.")

    @extend_schema_field(PersonSerializer)
    def get_user(self, row) -> dict:
        return {"id": row.user_id, "name": row.name}


class LeaderboardSummarySerializer(serializers.Serializer):
    range = ReportRangeSerializer(source="period")
    state = serializers.ChoiceField(choices=STATES)
    previous_period = PreviousRangeSerializer()
    sort = serializers.CharField(help_text=f"The order of the rows (default `{DEFAULT_SORT}`).")
    rank_column = serializers.ChoiceField(choices=METRIC_KEYS, help_text="The column the ranks are computed on.")
    all_rows = serializers.BooleanField(help_text="False when an agent sees only their own row.")
    agents = serializers.IntegerField(help_text="Rows the viewer sees.")
    metrics = LeaderboardFigureSerializer(many=True)
    chart = LeaderboardChartRowSerializer(many=True, help_text="The ten best-ranked rows (rank, then name).")


class LeaderboardRowSerializer(serializers.Serializer):
    rank = serializers.IntegerField(help_text="1 + the rows strictly better on the rank column (ties share it).")
    previous_rank = serializers.IntegerField(help_text="The same ranking over the previous period.")
    rank_change = serializers.IntegerField(help_text="previous_rank − rank: positive = climbed.")
    user = PersonSerializer()
    assigned = serializers.IntegerField()
    closed = serializers.IntegerField()
    messages_sent = serializers.IntegerField()
    first_response_median = serializers.IntegerField(allow_null=True)
    resolution_median = serializers.IntegerField(allow_null=True)
    online_seconds = serializers.IntegerField()


class LeaderboardLogSerializer(ReportLogSerializer):
    results = LeaderboardRowSerializer(many=True, source="rows")


ENDPOINTS = ReportEndpoints(
    key="leaderboard", filters=FILTERS, scope_note=SCOPE_NOTE, sorts=COLUMNS, default_sort=DEFAULT_SORT,
    summary=(leaderboard_summary, LeaderboardSummarySerializer,
             "Tabla de Clasificación: the board's totals and its best-ranked members",
             "Cards (assigned, closed, messages sent, median first response, median resolution time, time online) "
             "with the previous period, and the ten best-ranked rows for the chart."),
    timeseries=None,
    log=(leaderboard_log_page, LeaderboardLogSerializer, "Tabla de Clasificación: one row per member, ranked",
         "Every member's row in the `sort` order with rank, previous rank and change; paginated (`count` = rows)."),
)
urlpatterns = report_api_urls(ENDPOINTS)
