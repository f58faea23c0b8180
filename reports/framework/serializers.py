"""Serializers every report API shares (one schema component each: drf-spectacular refuses two
different classes with the same name)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from crm.pagination import page_url

from .query import LOG_ROW_CAP
from .states import STATES


class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class ChannelSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class PreviousRangeSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()


class ReportRangeSerializer(serializers.Serializer):
    """A ``ReportPeriod``: the resolved range every report answer states."""

    start = serializers.DateField(help_text="First day of the range (inclusive), in the workspace timezone.")
    end = serializers.DateField(help_text="Last day of the range (inclusive), in the workspace timezone.")
    timezone = serializers.CharField(help_text="The workspace's IANA timezone, e.g. America/Mexico_City.")


class ReportLogSerializer(serializers.Serializer):
    """Renders a ``reports.framework.logs.LogPage``; a report adds its ``results``. Needs
    ``request`` in the context (for ``next`` / ``previous``)."""

    range = ReportRangeSerializer(source="period")
    state = serializers.ChoiceField(choices=STATES)
    count = serializers.IntegerField(help_text=f"Matching rows reachable: at most {LOG_ROW_CAP}.")
    capped = serializers.BooleanField(help_text=f"True when more than {LOG_ROW_CAP} rows match (Data Export has them all).")
    page = serializers.IntegerField()
    page_size = serializers.IntegerField()
    next = serializers.SerializerMethodField()
    previous = serializers.SerializerMethodField()

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_next(self, log) -> str | None:
        return page_url(self.context["request"], log.page + 1) if log.has_next else None

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_previous(self, log) -> str | None:
        return page_url(self.context["request"], log.page - 1) if log.has_previous else None
