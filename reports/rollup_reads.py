"""Serve the report's counts from the day rollups when they answer exactly (docs/performance.md).

``rollup_dimension`` is the one decision, for the event counts (``AssignmentDailyCount``) and the
conversation facts (``AssignmentFactDaily``: first assignments, reassignments): the rollup rows
holding exactly the filtered events, or ``None``.

``assignment_daily_source_counts`` returns ``{(local day, source): count}`` for the filtered
event set — the same numbers ``assignment_event_list`` would give — or ``None`` when the rollup
cannot answer and the caller must read the raw events:

- the rollup is not ready in the workspace's current timezone (after a timezone change, until
  the rebuild ends);
- a contact or conversation filter (the raw indexes serve those directly);
- combinations no single dimension counts exactly (e.g. "Asignado a" together with "Asignado
  por", or an agent filtering by someone else as the new assignee).

An agent's scope is "new or previous assignee is me"; because an event always changes the
assignee (new ≠ previous), the two dimensions never count the same event twice.
"""

from django.conf import settings
from django.db.models import Q, Sum

from accounts.context import Actor
from assignments.models import AssignmentDailyCount, RollupDimension
from assignments.rollups import rollup_is_ready

from .params import ReportParams
from .periods import ReportPeriod

# Every event of the workspace (no filter, not an agent).
ALL_EVENTS = Q(dimension=RollupDimension.ALL, key=0)


def _dimension_filter(*, actor: Actor, params: ReportParams) -> Q | None:
    """Which rollup rows hold exactly the events of these filters, or None."""
    if params.contact_ids or params.conversation_ids:
        return None
    assignee_keys = list(params.assignee_ids) + ([0] if params.assignee_none else [])
    if actor.is_agent:
        if actor.user is None or params.assigned_by_ids:
            return None
        me = actor.user.pk
        if not params.has_assignee_filter:
            return Q(dimension=RollupDimension.NEW, key=me) | Q(dimension=RollupDimension.PREVIOUS, key=me)
        if assignee_keys == [me]:
            return Q(dimension=RollupDimension.NEW, key=me)
        return None
    if params.has_assignee_filter and params.assigned_by_ids:
        return None
    if params.has_assignee_filter:
        return Q(dimension=RollupDimension.NEW, key__in=assignee_keys)
    if params.assigned_by_ids:
        return Q(dimension=RollupDimension.ASSIGNED_BY, key__in=list(params.assigned_by_ids))
    return ALL_EVENTS


def rollup_dimension(*, workspace, actor: Actor, params: ReportParams) -> Q | None:
    """The condition on rollup rows (``dimension``, ``key``) selecting exactly the events of these
    filters that ``actor`` may see, or None: the rollups cannot answer, read the raw events."""
    if not getattr(settings, "REPORTS_USE_ROLLUP", True):
        return None
    if actor.workspace.pk != workspace.pk:
        return None
    dimension = _dimension_filter(actor=actor, params=params)
    if dimension is None or not rollup_is_ready(workspace=workspace):
        return None
    return dimension


def assignment_daily_source_counts(*, workspace, actor: Actor, params: ReportParams,
                                   period: ReportPeriod | None = None) -> dict | None:
    dimension = rollup_dimension(workspace=workspace, actor=actor, params=params)
    if dimension is None:
        return None
    period = period or params.period
    rows = AssignmentDailyCount.objects.filter(dimension, workspace=workspace, day__gte=period.start,
                                               day__lte=period.end)
    if params.sources:
        rows = rows.filter(source__in=params.sources)
    totals = rows.values("day", "source").annotate(n=Sum("count")).values_list("day", "source", "n")
    return {(day, source): n for day, source, n in totals if n}
