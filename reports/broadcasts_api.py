"""The Transmisiones report API: /api/v1/reports/broadcasts/{summary,timeseries,log}.

Thin views on the framework's ``ReportApi`` (owners, managers and API tokens: ``admin_only``);
a selector of ``reports.broadcasts_report`` answers, the serializers below render (and document)
the shape.
"""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from broadcasts.models import BroadcastStatus, RecipientReason, RecipientStatus

from .broadcasts_report import (
    COUNTS,
    FILTERS,
    RATE_OF,
    SERIES,
    broadcast_report_log_page,
    broadcast_report_summary,
    broadcast_report_timeseries,
)
from .framework.api import ReportEndpoints, report_api_urls
from .framework.buckets import INTERVALS
from .framework.serializers import (
    ChannelSerializer,
    PreviousRangeSerializer,
    ReportLogSerializer,
    ReportRangeSerializer,
)
from .framework.states import STATES

RATE_DENOMINATORS = sorted(set(RATE_OF.values()))
REASON_STATUSES = [str(RecipientStatus.FAILED), str(RecipientStatus.SKIPPED)]

SCOPE_NOTE = (
    " Session or Bearer token. Owners, managers and API tokens; agents get 403. A recipient is in the period by "
    "its `sent_at`, else its `queued_at`; the funnel is cumulative (a read recipient counts as delivered and "
    "sent). Definitions: docs/reports.md \"Transmisiones\"."
)


class BroadcastCountSerializer(serializers.Serializer):
    key = serializers.ChoiceField(choices=COUNTS)
    label = serializers.CharField()
    value = serializers.IntegerField()
    previous = serializers.IntegerField(help_text="The same count in the previous period of equal length.")
    rate = serializers.FloatField(allow_null=True, help_text="Percent of `rate_of` (2 decimals, half up); null "
                                                             "without a denominator or when it is 0.")
    rate_of = serializers.ChoiceField(choices=RATE_DENOMINATORS, allow_null=True)


class BroadcastReasonSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=REASON_STATUSES)
    reason = serializers.ChoiceField(choices=["", *RecipientReason.values])
    label = serializers.CharField()
    count = serializers.IntegerField()
    percent = serializers.FloatField(help_text="Of its status' total (2 decimals, largest remainder).")


def _counts_serializer(name: str, keys, help_text: str):
    fields = {key: serializers.IntegerField() for key in keys}
    return type(name, (serializers.Serializer,), {**fields, "__doc__": help_text})


BroadcastCountsSerializer = _counts_serializer("BroadcastCountsSerializer", COUNTS, "The counts of a row.")
BroadcastRatesSerializer = type("BroadcastRatesSerializer", (serializers.Serializer,), {
    key: serializers.FloatField(allow_null=True) for key in RATE_OF})
BroadcastBucketCountsSerializer = _counts_serializer("BroadcastBucketCountsSerializer", SERIES,
                                                     "The counts of a bucket.")


class BroadcastRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class BroadcastRowSerializer(serializers.Serializer):
    broadcast = serializers.SerializerMethodField()
    channel = serializers.SerializerMethodField()
    status = serializers.ChoiceField(choices=BroadcastStatus.values, help_text="The broadcast's status now.")
    started_at = serializers.DateTimeField(allow_null=True)
    counts = BroadcastCountsSerializer()
    rates = BroadcastRatesSerializer()

    @extend_schema_field(BroadcastRefSerializer)
    def get_broadcast(self, row) -> dict:
        return {"id": row.broadcast_id, "name": row.name}

    @extend_schema_field(ChannelSerializer)
    def get_channel(self, row) -> dict:
        return {"id": row.channel_id, "name": row.channel}


class BroadcastSummarySerializer(serializers.Serializer):
    range = ReportRangeSerializer(source="period")
    state = serializers.ChoiceField(choices=STATES)
    previous_period = PreviousRangeSerializer()
    counts = BroadcastCountSerializer(many=True, help_text="The cards, in this order: " + ", ".join(COUNTS) + ".")
    funnel = BroadcastCountSerializer(many=True, help_text="recipients ≥ sent ≥ delivered ≥ read ≥ replied.")
    reasons = BroadcastReasonSerializer(many=True, help_text="Failed, then skipped rows by reason.")
    broadcasts = BroadcastRowSerializer(many=True, help_text="One row per broadcast with rows in the period, "
                                                             "newest first; the rows add up to the cards.")


class BroadcastBucketSerializer(serializers.Serializer):
    start = serializers.SerializerMethodField(help_text="Bucket start, ISO 8601 with the workspace's UTC offset.")
    counts = BroadcastBucketCountsSerializer()

    def get_start(self, bucket) -> str:
        return bucket.start.isoformat()


class BroadcastTimeseriesSerializer(serializers.Serializer):
    range = ReportRangeSerializer(source="period")
    state = serializers.ChoiceField(choices=STATES)
    interval = serializers.ChoiceField(choices=INTERVALS)
    buckets = BroadcastBucketSerializer(many=True)


class RecipientRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    at = serializers.CharField(help_text="The recipient's time (sent_at, else queued_at), ISO 8601 with the "
                                         "workspace's UTC offset.")
    broadcast = BroadcastRefSerializer()
    channel = ChannelSerializer()
    contact_id = serializers.IntegerField()
    contact_name = serializers.CharField(help_text="The name kept on the row (it outlives a deleted contact).")
    status = serializers.ChoiceField(choices=RecipientStatus.values)
    reason = serializers.ChoiceField(choices=RecipientReason.values, allow_null=True)
    detail = serializers.CharField(allow_blank=True, help_text="The channel's words on a failure.")
    queued_at = serializers.CharField()
    sent_at = serializers.CharField(allow_null=True)
    delivered_at = serializers.CharField(allow_null=True)
    read_at = serializers.CharField(allow_null=True)
    replied_at = serializers.CharField(allow_null=True)
    failed_at = serializers.CharField(allow_null=True)


class BroadcastLogSerializer(ReportLogSerializer):
    results = RecipientRowSerializer(many=True, source="rows")


ENDPOINTS = ReportEndpoints(
    key="broadcasts", filters=FILTERS, scope_note=SCOPE_NOTE, admin_only=True,
    summary=(broadcast_report_summary, BroadcastSummarySerializer,
             "Transmisiones: recipients, funnel, failures by reason, per broadcast",
             "Cards (recipients, sent, delivered, read, replied, failed, skipped, pending, with rates), the funnel, "
             "failed and skipped recipients by reason and one row per broadcast."),
    timeseries=(broadcast_report_timeseries, BroadcastTimeseriesSerializer,
                "Transmisiones: the cards' counts per time bucket",
                "Every bucket of the range, zeros included; bucket sums equal the cards."),
    log=(broadcast_report_log_page, BroadcastLogSerializer, "Transmisiones: the recipients of the period",
         "Newest first; only the newest 10000 rows are reachable (Data Export has no cap)."),
)
urlpatterns = report_api_urls(ENDPOINTS)
