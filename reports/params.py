"""The report's parameters (period and filters), parsed and validated once for every consumer.

The report API, the report page and Data Export all read the same parameters (api.md "Reports:
Asignaciones"): ``period`` or ``start``+``end``, and the repeatable filters ``source``,
``assignee`` (user id or ``none``), ``assigned_by``, ``contact`` and ``conversation``, plus the
time series' ``interval``. Values within one filter combine with OR, filters with AND
(report.md "Filters"). Every id is resolved through the workspace: an id that does not exist in
it is a 400 naming the field.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext as _

from accounts.models import Membership
from assignments.models import AssignmentEvent, AssignmentSource
from contacts.models import Contact, Conversation
from crm.api import ApiError

from .periods import DEFAULT_PRESET, ReportPeriod, report_period_resolve

INTERVALS = ("hour", "day", "week", "month")
ASSIGNEE_NONE = "none"
# A URL with more values than this for one filter is not a person picking from a list.
MAX_VALUES_PER_FILTER = 100
# Ids are positive and fit a 64-bit integer column on every database.
MAX_ID = 2**63 - 1

FILTER_KEYS = ("source", "assignee", "assigned_by", "contact", "conversation")
SCALAR_KEYS = ("period", "start", "end", "interval")


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


def _values(data, key: str) -> list:
    """All values of ``key`` from a QueryDict (``getlist``) or a plain dict of scalars or lists."""
    if hasattr(data, "getlist"):
        raw = data.getlist(key)
    else:
        value = data.get(key)
        if value is None:
            raw = []
        elif isinstance(value, list | tuple):
            raw = list(value)
        else:
            raw = [value]
    # Empty values (``?source=`` from a cleared form field) mean "not given".
    return [v for v in raw if not (v is None or (isinstance(v, str) and not v.strip()))]


def _scalar(data, key: str, errors: dict):
    values = _values(data, key)
    if not values:
        return None
    if any(isinstance(v, dict | list | tuple | bool) for v in values):
        errors[key] = [_("Give a single text value.")]
        return None
    distinct = {str(v).strip() for v in values}
    if len(distinct) > 1:
        errors[key] = [_("Give this parameter only once.")]
        return None
    return distinct.pop()


def _ids(values: Iterable, key: str, errors: dict) -> list[int]:
    ids: list[int] = []
    for value in values:
        if isinstance(value, bool) or not isinstance(value, int | str):
            errors.setdefault(key, []).append(_("Ids are whole numbers."))
            return []
        text = str(value).strip()
        if not text.isascii() or not text.isdigit() or len(text) > 19 or int(text) < 1 or int(text) > MAX_ID:
            errors.setdefault(key, []).append(
                _("%(value)s is not a valid id.") % {"value": text[:40]}
            )
            return []
        number = int(text)
        if number not in ids:
            ids.append(number)
    return ids


def _check_count(values: list, key: str, errors: dict) -> bool:
    if len(values) > MAX_VALUES_PER_FILTER:
        errors[key] = [_("At most %(max)s values per filter.") % {"max": MAX_VALUES_PER_FILTER}]
        return False
    return True


def _unknown(ids: list[int], found: Iterable[int]) -> list[int]:
    found = set(found)
    return [i for i in ids if i not in found]


def _user_ids_in_workspace(*, workspace, ids: list[int], event_field: str) -> list[int]:
    """The ids that are not users of the workspace: neither members nor named by its events.

    Former members still appear in old events, so their ids stay valid filters.
    """
    missing = _unknown(ids, Membership.objects.filter(workspace=workspace, user_id__in=ids).values_list("user_id", flat=True))
    if missing:
        seen = AssignmentEvent.objects.filter(workspace=workspace).filter(
            Q(**{f"{event_field}__in": missing})
        ).values_list(event_field, flat=True).distinct()
        missing = _unknown(missing, seen)
    return missing


def report_params_parse(*, workspace, data) -> ReportParams:
    """Validate the report parameters of ``workspace`` from a QueryDict or a plain dict.

    Raises ``ApiError`` (400) with one entry per bad field. Keys this function does not know
    (``page``, ``page_size``, ...) are ignored.
    """
    errors: dict[str, list[str]] = {}

    period_value = _scalar(data, "period", errors)
    start_value = _scalar(data, "start", errors)
    end_value = _scalar(data, "end", errors)
    interval = _scalar(data, "interval", errors)
    period = None
    if not {"period", "start", "end"} & errors.keys():
        try:
            period = report_period_resolve(workspace=workspace, period=period_value, start=start_value, end=end_value)
        except ApiError as exc:
            errors.update(exc.errors)
    if interval is not None and "interval" not in errors:
        if interval not in INTERVALS:
            errors["interval"] = [_("Unknown interval %(value)s. Choose one of: %(choices)s.") % {
                "value": interval[:40], "choices": ", ".join(INTERVALS)}]

    sources: list[str] = []
    raw_sources = _values(data, "source")
    if _check_count(raw_sources, "source", errors):
        for value in raw_sources:
            text = value.strip() if isinstance(value, str) else None
            if text not in AssignmentSource.values:
                errors["source"] = [_("Unknown source %(value)s. Choose from: %(choices)s.") % {
                    "value": str(value)[:40], "choices": ", ".join(AssignmentSource.values)}]
                sources = []
                break
            if text not in sources:
                sources.append(text)

    assignee_none = False
    raw_assignees = _values(data, "assignee")
    assignee_ids: list[int] = []
    if _check_count(raw_assignees, "assignee", errors):
        numeric = []
        for value in raw_assignees:
            if isinstance(value, str) and value.strip().lower() == ASSIGNEE_NONE:
                assignee_none = True
            else:
                numeric.append(value)
        assignee_ids = _ids(numeric, "assignee", errors)

    raw = {key: _values(data, key) for key in ("assigned_by", "contact", "conversation")}
    assigned_by_ids = _ids(raw["assigned_by"], "assigned_by", errors) if _check_count(raw["assigned_by"], "assigned_by", errors) else []
    contact_ids = _ids(raw["contact"], "contact", errors) if _check_count(raw["contact"], "contact", errors) else []
    conversation_ids = _ids(raw["conversation"], "conversation", errors) if _check_count(raw["conversation"], "conversation", errors) else []

    # Ids must exist in this workspace (report.md "Filters"): another workspace's id is a 400
    # naming the field, exactly like an id that exists nowhere, so nothing leaks across tenants.
    if assignee_ids:
        missing = _user_ids_in_workspace(workspace=workspace, ids=assignee_ids, event_field="new_assignee_id")
        if missing:
            errors["assignee"] = [_no_such("user", missing)]
    if assigned_by_ids:
        missing = _user_ids_in_workspace(workspace=workspace, ids=assigned_by_ids, event_field="assigned_by_id")
        if missing:
            errors["assigned_by"] = [_no_such("user", missing)]
    if contact_ids:
        missing = _unknown(contact_ids, Contact.objects.filter(workspace=workspace, pk__in=contact_ids).values_list("pk", flat=True))
        if missing:
            # Deleted contacts keep their events (product.md rule 3).
            missing = _unknown(missing, AssignmentEvent.objects.filter(workspace=workspace, contact_id__in=missing)
                               .values_list("contact_id", flat=True).distinct())
        if missing:
            errors["contact"] = [_no_such("contact", missing)]
    if conversation_ids:
        missing = _unknown(
            conversation_ids,
            Conversation.objects.filter(workspace=workspace, pk__in=conversation_ids).values_list("pk", flat=True),
        )
        if missing:
            missing = _unknown(missing, AssignmentEvent.objects.filter(workspace=workspace, conversation_id__in=missing)
                               .values_list("conversation_id", flat=True).distinct())
        if missing:
            errors["conversation"] = [_no_such("conversation", missing)]

    if errors:
        if len(errors) == 1:
            field, reasons = next(iter(errors.items()))
            message = _("%(field)s: %(reason)s") % {"field": field, "reason": reasons[0]}
        else:
            message = _("The report parameters are not valid.")
        raise ApiError(message, errors)

    return ReportParams(
        period=period,
        sources=tuple(sources),
        assignee_ids=tuple(assignee_ids),
        assignee_none=assignee_none,
        assigned_by_ids=tuple(assigned_by_ids),
        contact_ids=tuple(contact_ids),
        conversation_ids=tuple(conversation_ids),
        interval=interval,
        preset=None if (start_value or end_value) else (period_value or DEFAULT_PRESET),
    )


def _no_such(kind: str, missing: list[int]) -> str:
    ids = ", ".join(str(i) for i in missing[:10])
    messages = {
        "user": _("No user with id %(ids)s in this workspace."),
        "contact": _("No contact with id %(ids)s in this workspace."),
        "conversation": _("No conversation with id %(ids)s in this workspace."),
    }
    return messages[kind] % {"ids": ids}
