"""Filters shared by the reports that read ``contacts.ConversationEvent`` (Conversaciones,
Resoluciones, ...): the channel, the owner ("Asignado a", with its team), the closing source.

Each report declares its own ``FilterSpec`` tuple from these builders (its description of what
the owner is differs); the id checks and the conditions on an event queryset live here once.
A deleted channel or user still names the events that carry its id, so those ids stay valid.
"""

from django.db.models import Q
from django.utils.translation import gettext_lazy

from accounts.context import Actor
from accounts.models import Membership, Team
from contacts.models import ConversationEvent, ConversationSource
from integrations.models import Channel

from .query import CHOICE, ID, FilterSpec, ReportQuery, missing_ids

CLOSING_SOURCES = [ConversationSource.USER, ConversationSource.WORKFLOW, ConversationSource.API,
                   ConversationSource.BOT]


def source_label(source: str) -> str:
    return str(ConversationSource(source).label) if source in ConversationSource.values else source


def channels_known(workspace, ids):
    found = set(Channel.objects.filter(workspace=workspace, pk__in=ids).values_list("pk", flat=True))
    rest = missing_ids(ids, found)
    if rest:  # a deleted channel's conversations keep its id
        found |= set(ConversationEvent.objects.filter(workspace=workspace, channel_id__in=rest)
                     .values_list("channel_id", flat=True).distinct())
    return found


def owners_known(workspace, ids):
    found = set(Membership.objects.filter(workspace=workspace, user_id__in=ids).values_list("user_id", flat=True))
    rest = missing_ids(ids, found)
    if rest:  # a deleted agent still owns the conversations recorded with their id
        found |= set(ConversationEvent.objects.filter(workspace=workspace, assignee_id__in=rest)
                     .values_list("assignee_id", flat=True).distinct())
    return found


def teams_known(workspace, ids):
    return Team.objects.filter(workspace=workspace, pk__in=ids).values_list("pk", flat=True)


def channel_options(workspace):
    return [(str(pk), name) for pk, name in Channel.objects.filter(workspace=workspace).order_by("name", "pk")
            .values_list("pk", "name")]


def team_options(workspace):
    return [(str(pk), name) for pk, name in Team.objects.filter(workspace=workspace).order_by("name", "pk")
            .values_list("pk", "name")]


def source_options(values):
    """Labelled conversation sources (``ConversationSource``), in the given order."""
    return lambda workspace: [(value, source_label(value)) for value in values]


def channel_filter(description: str) -> FilterSpec:
    return FilterSpec("channel", gettext_lazy("Channel"), ID, "options", description, exists=channels_known,
                      allow_none=True, no_such=gettext_lazy("No channel with id %(ids)s in this workspace."),
                      options=channel_options, none_label=gettext_lazy("No channel"))


def owner_filter(description: str) -> FilterSpec:
    return FilterSpec("assignee", gettext_lazy("Assigned to"), ID, "member", description, exists=owners_known,
                      allow_none=True, no_such=gettext_lazy("No user with id %(ids)s in this workspace."))


def team_filter(description: str = "Equipo: the owner is a member of the team now.") -> FilterSpec:
    return FilterSpec("team", gettext_lazy("Team"), ID, "options", description, exists=teams_known,
                      no_such=gettext_lazy("No team with id %(ids)s in this workspace."), options=team_options)


def closing_source_filter(description: str) -> FilterSpec:
    return FilterSpec("closing_source", gettext_lazy("Closed by"), CHOICE, "choice", description,
                      choices=lambda: CLOSING_SOURCES, options=source_options(CLOSING_SOURCES), dots=True)


def owner_condition(*, actor: Actor, query: ReportQuery, field: str) -> Q:
    """Owner conditions (``assignee``, ``team``, an agent's scope) on ``field``;
    ``Q(pk__in=[])`` matches nothing, an empty ``Q()`` everything."""
    conditions = Q()
    if actor.is_agent:
        if actor.user is None:
            return Q(pk__in=[])
        conditions &= Q(**{field: actor.user.pk})
    if query.has("assignee"):
        owner = Q(**{f"{field}__in": query.get("assignee")}) if query.get("assignee") else Q(pk__in=[])
        if query.includes_none("assignee"):
            owner |= Q(**{f"{field}__isnull": True})
        conditions &= owner
    if query.get("team"):
        members = Team.members.through.objects.filter(team_id__in=query.get("team")).values("user_id")
        conditions &= Q(**{f"{field}__in": members})
    return conditions


def channel_condition(query: ReportQuery, field: str = "channel_id") -> Q:
    """The ``channel`` filter on ``field`` (``none`` = no channel); ``Q()`` without the filter."""
    if not query.has("channel"):
        return Q()
    channel = Q(**{f"{field}__in": query.get("channel")}) if query.get("channel") else Q(pk__in=[])
    if query.includes_none("channel"):
        channel |= Q(**{f"{field}__isnull": True})
    return channel
