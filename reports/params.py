"""The Asignaciones report's parameters, declared on the reports framework.

The report API, the report page and Data Export all read the same parameters (api.md "Reports:
Asignaciones"): ``period`` or ``start``+``end``, and the repeatable filters ``source``,
``assignee`` (user id or ``none``), ``assigned_by``, ``contact`` and ``conversation``, plus the
time series' ``interval``. Values within one filter combine with OR, filters with AND
(report.md "Filters"). ``reports.framework.query`` validates them; ``ReportParams`` is the
typed view of the result the Asignaciones selectors read.
"""

from dataclasses import dataclass, replace

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Membership
from assignments.models import AssignmentEvent, AssignmentSource
from contacts.models import Contact, Conversation
from crm.api import ApiError

from .framework.buckets import INTERVALS  # noqa: F401  (the report's own name for them)
from .framework.query import (
    CHOICE,
    ID,
    MAX_ID,  # noqa: F401
    MAX_VALUES_PER_FILTER,  # noqa: F401
    NONE_VALUE,
    FilterSpec,
    ReportQuery,
    error_message,
    missing_ids,
    query_list_values,
    report_query_parse,
)
from .periods import ReportPeriod

ASSIGNEE_NONE = NONE_VALUE
FILTER_KEYS = ("source", "assignee", "assigned_by", "contact", "conversation")
SCALAR_KEYS = ("period", "start", "end", "interval")
# What the summary adds on request (``?include=distinct``: the distinct contacts and
# conversations, counted on the events rather than the day rollup; docs/reports.md).
INCLUDE_VALUES = ("distinct",)


def _users_known(event_field: str):
    """Members of the workspace, or users named by its events: former members still appear in
    old events, so their ids stay valid filters."""

    def exists(workspace, ids):
        found = set(Membership.objects.filter(workspace=workspace, user_id__in=ids).values_list("user_id", flat=True))
        rest = missing_ids(ids, found)
        if rest:
            found |= set(AssignmentEvent.objects.filter(workspace=workspace).filter(
                Q(**{f"{event_field}__in": rest})).values_list(event_field, flat=True).distinct())
        return found

    return exists


def _rows_known(model, event_field: str):
    """Rows of the workspace, or ids its events still name (deleted contacts keep their events)."""

    def exists(workspace, ids):
        found = set(model.objects.filter(workspace=workspace, pk__in=ids).values_list("pk", flat=True))
        rest = missing_ids(ids, found)
        if rest:
            found |= set(AssignmentEvent.objects.filter(workspace=workspace, **{f"{event_field}__in": rest})
                         .values_list(event_field, flat=True).distinct())
        return found

    return exists


NO_SUCH_USER = gettext_lazy("No user with id %(ids)s in this workspace.")
NO_SUCH_CONTACT = gettext_lazy("No contact with id %(ids)s in this workspace.")
NO_SUCH_CONVERSATION = gettext_lazy("No conversation with id %(ids)s in this workspace.")

FILTERS = (
    FilterSpec("source", gettext_lazy("Source"), CHOICE, "choice", "Fuente: the event's source.",
               choices=lambda: AssignmentSource.values,
               unknown=gettext_lazy("Unknown source %(value)s. Choose from: %(choices)s."),
               options=lambda workspace: [(value, str(label)) for value, label in AssignmentSource.choices], dots=True),
    FilterSpec("assignee", gettext_lazy("Assigned to"), ID, "member",
               "Asignado a: the event's new assignee, a user id of the workspace, or `none` for unassignments.",
               exists=_users_known("new_assignee_id"), allow_none=True, no_such=NO_SUCH_USER),
    FilterSpec("assigned_by", gettext_lazy("Assigned by user"), ID, "member",
               "Asignado por el usuario: the assigning user's id (source `user` only; with a `source` filter "
               "excluding `user` the state is `not_applicable`).",
               exists=_users_known("assigned_by_id"), no_such=NO_SUCH_USER),
    FilterSpec("contact", gettext_lazy("Contact"), ID, "contact", "Contacto: a contact id of the workspace.",
               exists=_rows_known(Contact, "contact_id"), no_such=NO_SUCH_CONTACT),
    FilterSpec("conversation", gettext_lazy("Conversation ID"), ID, "number",
               "Id. de conversación: a conversation id of the workspace.",
               exists=_rows_known(Conversation, "conversation_id"), no_such=NO_SUCH_CONVERSATION),
)


@dataclass(frozen=True)
class ReportParams:
    """A resolved period and validated filters; empty tuples mean "no filter"."""

    period: ReportPeriod
    sources: tuple[str, ...] = ()
    assignee_ids: tuple[int, ...] = ()
    assignee_none: bool = False
    assigned_by_ids: tuple[int, ...] = ()
    contact_ids: tuple[int, ...] = ()
    conversation_ids: tuple[int, ...] = ()
    interval: str | None = None
    # The preset the period came from (e.g. "last_7_days"), None for a custom range. The page's
    # period picker shows it; as_query() stores the resolved dates instead, so a stored query
    # (an export) keeps meaning the same days.
    preset: str | None = None
    # ``?include=distinct``: the summary also counts distinct contacts and conversations. Not a
    # filter: ``as_query()`` leaves it out (an export has no summary).
    include_distinct: bool = False

    @classmethod
    def from_query(cls, query: ReportQuery) -> "ReportParams":
        return cls(
            period=query.period,
            sources=query.get("source"),
            assignee_ids=query.get("assignee"),
            assignee_none=query.includes_none("assignee"),
            assigned_by_ids=query.get("assigned_by"),
            contact_ids=query.get("contact"),
            conversation_ids=query.get("conversation"),
            interval=query.interval,
            preset=query.preset,
        )

    @property
    def has_assignee_filter(self) -> bool:
        return bool(self.assignee_ids) or self.assignee_none

    @property
    def has_filters(self) -> bool:
        return bool(
            self.sources or self.has_assignee_filter or self.assigned_by_ids or self.contact_ids or self.conversation_ids
        )

    def as_query(self) -> dict[str, list[str]]:
        """The parameters as a query dict that ``report_params_parse`` turns back into these params."""
        query: dict[str, list[str]] = {
            "start": [self.period.start.isoformat()],
            "end": [self.period.end.isoformat()],
        }
        if self.sources:
            query["source"] = list(self.sources)
        assignees = [str(i) for i in self.assignee_ids] + ([ASSIGNEE_NONE] if self.assignee_none else [])
        if assignees:
            query["assignee"] = assignees
        if self.assigned_by_ids:
            query["assigned_by"] = [str(i) for i in self.assigned_by_ids]
        if self.contact_ids:
            query["contact"] = [str(i) for i in self.contact_ids]
        if self.conversation_ids:
            query["conversation"] = [str(i) for i in self.conversation_ids]
        if self.interval:
            query["interval"] = [self.interval]
        return query


def report_params_parse(*, workspace, data) -> ReportParams:
    """Validate the Asignaciones parameters of ``workspace`` from a QueryDict or a plain dict.

    Raises ``ApiError`` (400) with one entry per bad field (``reports.framework.query``).
    """
    errors: dict[str, list[str]] = {}
    include = _include_parse(data, errors)
    try:
        query = report_query_parse(filters=FILTERS, workspace=workspace, data=data)
    except ApiError as exc:
        if not errors:
            raise
        errors = {**exc.errors, **errors}
        raise ApiError(error_message(errors, _("The report parameters are not valid.")), errors) from exc
    if errors:
        raise ApiError(error_message(errors, _("The report parameters are not valid.")), errors)
    return replace(ReportParams.from_query(query), include_distinct="distinct" in include)


def _include_parse(data, errors: dict) -> set[str]:
    """``include``: extra parts of the summary, repeatable or comma-separated (only ``distinct``)."""
    values = query_list_values(data, "include")
    for value in values:
        if not isinstance(value, str) or value.strip() not in INCLUDE_VALUES:
            errors["include"] = [_("Unknown value %(value)s. Choose from: %(choices)s.") % {
                "value": str(value)[:40], "choices": ", ".join(INCLUDE_VALUES)}]
            return set()
    return {value.strip() for value in values}
