"""The page shell every report shares (docs/reports.md): the Reportes menu, the filter bar's
state from the query string, the page script's strings and configuration. A report page
declares its title, filters, API paths and its own strings; ``report_page_render`` does the rest.
"""

from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.selectors import member_list
from contacts.selectors import contact_visible

from ..periods import DEFAULT_PRESET, MAX_SPAN_DAYS
from .query import MAX_VALUES_PER_FILTER, FilterSpec

# The seed's "Reportes" menu, in its order. Only Asignaciones is built; the others are listed
# as "próximamente" (coming soon) instead of as broken links.
REPORT_MENU = [
    ("conversations", pgettext_lazy("report", "Conversations")),
    ("responses", pgettext_lazy("report", "Responses")),
    ("resolutions", pgettext_lazy("report", "Resolutions")),
    ("messages", pgettext_lazy("report", "Messages")),
    ("contacts", pgettext_lazy("report", "Contacts")),
    ("assignments", pgettext_lazy("report", "Assignments")),
    ("leaderboard", pgettext_lazy("report", "Leaderboard")),
    ("users", pgettext_lazy("report", "Users")),
    ("broadcasts", pgettext_lazy("report", "Broadcasts")),
]
# A report is linked from the menu once its page exists (its URL name is "reports:<key>").
# Reports only owners and managers may open: not listed for agents (their page is a 403).
ADMIN_ONLY_REPORTS = frozenset({"broadcasts"})

# report.md "Period": the seven presets of "Frecuencia y fecha", default last_7_days.
PERIOD_PRESETS = [
    ("today", _("Today")),
    ("yesterday", _("Yesterday")),
    ("last_7_days", _("Last 7 days")),
    ("last_14_days", _("Last 14 days")),
    ("last_30_days", _("Last 30 days")),
    ("this_month", _("This month")),
    ("last_month", _("Last month")),
]
DEFAULT_PERIOD = DEFAULT_PRESET
# Bounds on what the page echoes back from its query string; the API judges the values (one
# value over its limit is kept, so the API's error explains a link with too many).
MAX_VALUES_KEPT = MAX_VALUES_PER_FILTER + 1
MAX_VALUE_LENGTH = 64


def _report_url(key: str) -> str | None:
    try:
        return reverse(f"reports:{key}")
    except NoReverseMatch:
        return None


def report_menu(active: str, *, is_admin: bool = True) -> list[dict]:
    return [{"key": key, "label": label, "url": _report_url(key), "active": key == active} for key, label in REPORT_MENU
            if is_admin or key not in ADMIN_ONLY_REPORTS]


def _query_value(value: str) -> str:
    return value.strip()[:MAX_VALUE_LENGTH]


def report_query_state(params, filter_params=("source", "assignee", "assigned_by", "contact", "conversation"),
                       state_params=()) -> dict:
    """The page's filter state from its query string (the report API's parameters, api.md).

    Values are kept as given (trimmed, bounded): the API validates them and the page shows its
    error, so a bad link is explained rather than silently dropped (report.md "States").
    """
    period = _query_value(params.get("period", ""))
    start = _query_value(params.get("start", ""))
    end = _query_value(params.get("end", ""))
    if not period and not (start or end):
        period = DEFAULT_PERIOD
    state = {"period": period, "start": start, "end": end,
             "interval": _query_value(params.get("interval", ""))}
    for name in filter_params:
        values = []
        # Repeated (``source=api&source=user``) or a comma-separated list (``source=api,user``).
        for raw in params.getlist(name)[:MAX_VALUES_KEPT]:
            for item in raw.split(",")[:MAX_VALUES_KEPT]:
                value = _query_value(item)
                if value and value not in values:
                    values.append(value)
        state[name] = values[:MAX_VALUES_KEPT]
    for name in state_params:
        state[name] = _query_value(params.get(name, ""))
    page = params.get("page", "")
    state["page"] = int(page) if page.isdigit() and 0 < len(page) <= 6 and int(page) > 0 else 1
    return state


def _contact_names(request, ids: list[str]) -> dict[str, str]:
    """Names of the contacts a link filters by, for the filter chips: only contacts the viewer
    may see (``contact_visible``: this workspace, and an agent's visibility setting)."""
    numeric = [int(value) for value in ids if value.isdigit() and len(value) <= 18]
    if not numeric:
        return {}
    visible = contact_visible(workspace=request.workspace, user=request.user, is_admin=request.membership.is_admin)
    rows = visible.filter(pk__in=numeric).only("id", "first_name", "last_name")
    return {str(contact.pk): contact.name for contact in rows}


def shell_strings() -> dict:
    """Every string the page shell shows, translated into the workspace language."""
    return {
        "period": _("Frequency and date"),
        "periodCustom": _("Custom range"),
        "from": _("From"),
        "to": _("To"),
        "apply": _("Apply"),
        "cancel": _("Cancel"),
        "remove": _("Remove filter"),
        "removeValue": _("Remove"),
        "clearAll": _("Clear all"),
        "addFilter": _("Add filter"),
        "unassigned": _("Unassigned"),
        "searchMembers": _("Search users"),
        "searchContacts": _("Search by contact name or ID"),
        "searching": _("Searching…"),
        "noMatches": _("No matches"),
        "conversationId": _("Conversation ID"),
        "add": _("Add"),
        "invalidConversation": _("Enter a conversation ID (a positive whole number)."),
        "rangeInvalid": _("Choose a start and an end date; the end may not be before the start."),
        "rangeTooLong": _("A range may span at most %(days)s days.") % {"days": MAX_SPAN_DAYS},
        "trendVs": _("vs %(range)s"),
        "trendUp": _("up %(pct)s against the previous period"),
        "trendDown": _("down %(pct)s against the previous period"),
        "trendSame": _("the same as the previous period"),
        "cardFilter": _("Show only %(source)s"),
        "notApplicable": _("The selected filters are not applicable here"),
        "noData": _("The selected filters have no applicable data"),
        "errorTitle": _("This component could not be loaded."),
        "errorNetwork": _("The server could not be reached. Check your connection."),
        "errorStatus": _("The server answered with an error (%(status)s)."),
        "retry": _("Retry"),
        "loading": _("Loading…"),
        "bucketHour": _("Hour"),
        "bucketDay": _("Day"),
        "bucketWeek": _("Week"),
        "bucketWeekOf": _("Week of"),
        "bucketMonth": _("Month"),
        "narrowToBucket": _("Show only %(bucket)s"),
        "percent": _("Percent"),
        "showingCapped": _("Showing %(from)s–%(to)s of %(count)s (maximum)."),
        "showing": _("Showing %(from)s–%(to)s of %(count)s"),
        "cappedHint": _("To see more, use"),
        "dataExport": _("Data Export"),
        "previousPage": _("Previous page"),
        "nextPage": _("Next page"),
        "pageN": _("Page %(page)s"),
        "pagination": _("Pages of the log"),
        "tableBar": _("Show the bar chart's numbers as a table"),
        "tablePie": _("Show the pie chart's numbers as a table"),
        "empty": "-",
    }




def filter_config(filters: tuple[FilterSpec, ...], workspace, options: dict | None = None) -> list[dict]:
    """What the page's "Agregar filtro" needs to know of each declared filter: its picker, its
    values and labels (``FilterSpec.options``), its ``none`` label and colour dots."""
    options = options or {}
    out = []
    for spec in filters:
        entry = {"param": spec.param, "label": str(spec.label), "widget": spec.widget, "allowNone": spec.allow_none,
                 "dots": spec.dots}
        if spec.none_label:
            entry["noneLabel"] = str(spec.none_label)
        if spec.options is not None:
            entry["options"] = [{"value": str(v), "label": str(label)} for v, label in spec.options(workspace)]
        entry.update(options.get(spec.param, {}))
        out.append(entry)
    return out


def report_page_render(request, *, key: str, template: str, filters: tuple[FilterSpec, ...], api: dict,
                       strings: dict, options: dict | None = None, extra: dict | None = None,
                       export_kind: str = "assignments", agent_scope_note=None, state_params: tuple = ()):
    """Render a report page: the shell's configuration plus the report's own strings.

    ``agent_scope_note`` is the one line an agent reads on the page about what they see;
    ``export_kind`` is the Data Export kind its Exportar button asks for; ``state_params`` are
    scalar parameters the page keeps in its URL besides the filters (e.g. ``sort``)."""
    workspace = request.workspace
    state = report_query_state(request.GET, [spec.param for spec in filters], state_params)
    members = [{"id": m.user_id, "name": m.user.display_name} for m in member_list(workspace=workspace)]
    config = {
        "state": state,
        "defaultPeriod": DEFAULT_PERIOD,
        "presets": [{"value": value, "label": str(label)} for value, label in PERIOD_PRESETS],
        "filters": filter_config(filters, workspace, options),
        "members": members,
        "contactNames": _contact_names(request, state.get("contact", [])),
        "language": workspace.language,
        "timezone": workspace.timezone,
        "maxSpanDays": MAX_SPAN_DAYS,
        "today": timezone.localtime(timezone.now(), workspace.tzinfo).date().isoformat(),
        "canExport": bool(request.membership.can_export),
        "api": {**api, "contacts": "/api/v1/contacts"},
        "exportUrl": "/settings/data-export/",
        "exportKind": export_kind,
        "stateParams": list(state_params),
        "pageSize": 50,
        "strings": {key_: str(value) for key_, value in {**shell_strings(), **strings}.items()},
        **(extra or {}),
    }
    presets = dict(PERIOD_PRESETS)
    context = {
        "period_label": presets.get(state["period"]) or state["period"] or f"{state['start']} – {state['end']}",
        "report_menu": report_menu(active=key, is_admin=request.membership.is_admin),
        "report_config": config,
        "can_export_report": config["canExport"],
        "export_href": "/settings/data-export/" + (f"?kind={export_kind}" if export_kind != "assignments" else ""),
        "scope_note": agent_scope_note if request.membership.role == "agent" else None,
    }
    return render(request, template, context)
