"""The Usuarios report API: /api/v1/reports/users/{summary,timeseries,log,live}.

Thin views on the framework's ``ReportApi``: the declared filters are parsed once, a selector
of ``reports.users`` answers, the serializers below render (and document) the shape. Every time
is whole seconds.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema_field
from rest_framework import serializers

from .framework.api import ReportEndpoints, report_api_urls
from .framework.buckets import INTERVALS
from .framework.serializers import (
    PreviousRangeSerializer,
    ReportLogSerializer,
    ReportRangeSerializer,
)
from .framework.states import STATES
from .users import (
    FILTERS,
    STATUSES,
    users_live,
    users_log_page,
    users_query_parse,
    users_summary,
    users_timeseries,
)

SCOPE_NOTE = (
    " Session or Bearer token. Owners, managers and API tokens see every member of the workspace; an agent "
    "sees only their own figures (the per-team table is `not_applicable` for them). Times are whole seconds of "
    "each member's status timeline (Estado de Actividad), clipped at the period's edges and at now. "
    "Definitions: docs/reports.md \"Usuarios\"."
)
STATUS_CHOICES = [str(s) for s in STATUSES]


def _iso(value):
    return None if value is None else value.isoformat()


class StatusFigureSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=STATUS_CHOICES)
    label = serializers.CharField()
    value = serializers.IntegerField(help_text="Seconds in this status in the period, summed over the agents.")
    previous = serializers.IntegerField(help_text="The same in the previous period of equal length.")


class UsersAgentRowSerializer(serializers.Serializer):
    agent = serializers.SerializerMethodField()
    status = serializers.ChoiceField(choices=STATUS_CHOICES, help_text="The current status (now).")
    status_since = serializers.SerializerMethodField(help_text="When the current status was set (null: never recorded).")
    online_seconds = serializers.IntegerField(source="online")
    away_seconds = serializers.IntegerField(source="away")
    offline_seconds = serializers.IntegerField(source="offline")
    untracked_seconds = serializers.IntegerField(source="untracked", help_text="Before the member's first event.")
    online_share = serializers.FloatField(allow_null=True, help_text="100 × online / tracked, 2 decimals.")

    @extend_schema_field({"type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string"}}})
    def get_agent(self, row) -> dict:
        return {"id": row.user_id, "name": row.name}

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_status_since(self, row) -> str | None:
        return _iso(row.status_since and row.status_since.astimezone(self.context["tz"]))


class UsersTeamRowSerializer(serializers.Serializer):
    team = serializers.SerializerMethodField()
    agents = serializers.IntegerField(help_text="Members of the team now who are agents of the report.")
    online_seconds = serializers.IntegerField(source="online")
    away_seconds = serializers.IntegerField(source="away")
    offline_seconds = serializers.IntegerField(source="offline")
    untracked_seconds = serializers.IntegerField(source="untracked")

    @extend_schema_field({"type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string"}}})
    def get_team(self, row) -> dict:
        return {"id": row.team_id, "name": row.name}


class UsersSummarySerializer(serializers.Serializer):
    range = ReportRangeSerializer(source="period")
    state = serializers.ChoiceField(choices=STATES)
    previous_period = PreviousRangeSerializer()
    statuses = StatusFigureSerializer(many=True)
    untracked_seconds = serializers.IntegerField(source="untracked")
    agents = serializers.SerializerMethodField()
    teams_state = serializers.ChoiceField(choices=STATES)
    teams = UsersTeamRowSerializer(many=True)

    @extend_schema_field(UsersAgentRowSerializer(many=True))
    def get_agents(self, summary) -> list:
        return UsersAgentRowSerializer(summary.agents, many=True, context={"tz": summary.period.tz}).data


class UsersBucketSerializer(serializers.Serializer):
    start = serializers.SerializerMethodField(help_text="Bucket start, ISO 8601 with the workspace's UTC offset.")
    online_seconds = serializers.IntegerField(source="online")
    away_seconds = serializers.IntegerField(source="away")
    offline_seconds = serializers.IntegerField(source="offline")

    def get_start(self, bucket) -> str:
        return bucket.start.isoformat()


class UsersTimeseriesSerializer(serializers.Serializer):
    range = ReportRangeSerializer(source="period")
    state = serializers.ChoiceField(choices=STATES)
    interval = serializers.ChoiceField(choices=INTERVALS)
    buckets = UsersBucketSerializer(many=True)


class SegmentSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=STATUS_CHOICES)
    start = serializers.CharField(help_text="ISO 8601 with the workspace's offset.")
    end = serializers.CharField(help_text="ISO 8601 with the workspace's offset (the next day's 00:00 at most).")


class UsersDayRowSerializer(serializers.Serializer):
    day = serializers.DateField()
    day_start = serializers.SerializerMethodField(help_text="The local day's 00:00, ISO 8601 with its offset.")
    day_end = serializers.SerializerMethodField(help_text="The next local day's 00:00 (23, 24 or 25 h later).")
    agent = serializers.SerializerMethodField()
    online_seconds = serializers.IntegerField(source="online")
    away_seconds = serializers.IntegerField(source="away")
    offline_seconds = serializers.IntegerField(source="offline")
    untracked_seconds = serializers.IntegerField(source="untracked")
    changes = serializers.IntegerField(help_text="Status changes (events) in this local day.")
    segments = serializers.SerializerMethodField()

    @extend_schema_field({"type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string"}}})
    def get_agent(self, row) -> dict:
        return {"id": row.user_id, "name": row.name}

    def get_day_start(self, row) -> str:
        return row.day_start.isoformat()

    def get_day_end(self, row) -> str:
        return row.day_end.isoformat()

    @extend_schema_field(SegmentSerializer(many=True))
    def get_segments(self, row) -> list:
        return [{"status": s, "start": a.isoformat(), "end": b.isoformat()} for s, a, b in row.segments]


class UsersLogSerializer(ReportLogSerializer):
    results = UsersDayRowSerializer(many=True, source="rows")


class LiveRowSerializer(serializers.Serializer):
    agent = serializers.SerializerMethodField()
    status = serializers.ChoiceField(choices=STATUS_CHOICES)
    source = serializers.CharField(allow_null=True, help_text="What set the status (docs/presence.md sources).")
    since = serializers.SerializerMethodField(help_text="When it was set, workspace offset; null: never recorded.")
    conversations = serializers.IntegerField(help_text="Open conversations whose contact is assigned to them now.")

    @extend_schema_field({"type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string"}}})
    def get_agent(self, row) -> dict:
        return {"id": row.user_id, "name": row.name}

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_since(self, row) -> str | None:
        return _iso(row.since and row.since.astimezone(self.context["tz"]))


class LiveCountsSerializer(serializers.Serializer):
    online = serializers.IntegerField()
    away = serializers.IntegerField()
    offline = serializers.IntegerField()


class UsersLiveSerializer(serializers.Serializer):
    generated_at = serializers.SerializerMethodField(help_text="The instant this answer describes.")
    timezone = serializers.CharField()
    counts = LiveCountsSerializer()
    agents = serializers.SerializerMethodField()

    def get_generated_at(self, live) -> str:
        from zoneinfo import ZoneInfo

        return live.generated_at.astimezone(ZoneInfo(live.timezone)).isoformat(timespec="seconds")

    @extend_schema_field(LiveRowSerializer(many=True))
    def get_agents(self, live) -> list:
        from zoneinfo import ZoneInfo

        return LiveRowSerializer(live.agents, many=True, context={"tz": ZoneInfo(live.timezone)}).data


AS_OF = OpenApiParameter(
    "as_of", OpenApiTypes.DATETIME, OpenApiParameter.QUERY, required=False,
    description="Clip every figure at this instant (ISO 8601 with its offset) instead of now; a later instant is "
                "now. The page sends one to all its components so that they agree to the second.",
)

ENDPOINTS = ReportEndpoints(
    key="users", filters=FILTERS, scope_note=SCOPE_NOTE, parse=users_query_parse, parameters=(AS_OF,),
    summary=(users_summary, UsersSummarySerializer, "Usuarios: time per status, per agent and per team",
             "Cards (online / away / offline seconds summed over the agents, with the previous period), the "
             "per-agent table (current status, seconds per status, online share) and the per-team table (sums over "
             "the team's members now; a member of two teams counts in both)."),
    timeseries=(users_timeseries, UsersTimeseriesSerializer, "Usuarios: time per status per time bucket",
                "Every bucket of the range, zeros included; intervals are split at bucket edges and at now; "
                "bucket sums equal the cards."),
    log=(users_log_page, UsersLogSerializer, "Usuarios: the timeline per day (agent × day)",
         "One row per agent and local day from the agent's first status event, newest day first, then name: "
         "seconds per status, changes and the day's segments. Only the newest 10000 rows are reachable (Data "
         "Export has no cap)."),
    extra=(("live", (users_live, UsersLiveSerializer, "Usuarios: everyone's current status (live)",
                     "Each agent's status now, since when, and the open conversations whose contact is assigned to "
                     "them now; counts per status. The period parameters are validated but not used. The page polls "
                     "it every 15 seconds.")),),
)
urlpatterns = report_api_urls(ENDPOINTS)
