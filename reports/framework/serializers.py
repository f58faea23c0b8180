"""Serializers every report API shares (one schema component each: drf-spectacular refuses two
different classes with the same name)."""

from rest_framework import serializers


class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class ChannelSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class PreviousRangeSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
