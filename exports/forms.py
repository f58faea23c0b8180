"""The Exportación de datos form: which kind, its period and the chosen kind's declared filters.

Nothing here validates a report parameter: ``export_request`` does, with the report's own
parser, and its errors are shown next to the fields. This module turns a query string (the
report's Exportar button) or a post into what the form shows, into the report parameters, and
an export's stored filters into words for the history.

Every kind ``export_kinds()`` returns is offered; its filters come from the registry
(``reports.framework.exports``), the assignment log's from ``reports.params.FILTERS``, and each
filter is drawn by its ``widget``: ``choice``, ``member`` and ``options`` as checkbox lists,
``contact`` and ``number`` as a text field of ids.
"""

import re

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Team
from accounts.selectors import member_list
from assignments.models import AssignmentSource
from contacts.models import Contact, ConversationSource
from integrations.models import Channel
from reports.framework.exports import report_export_get
from reports.framework.query import NONE_VALUE
from reports.params import FILTERS as ASSIGNMENT_FILTERS
from reports.periods import DEFAULT_PRESET, PRESETS

from .models import Export
from .services import export_kinds

CUSTOM = "custom"
LIST_WIDGETS = ("choice", "member", "options")
TEXT_WIDGETS = ("contact", "number")
# A checkbox list longer than this gets a search box (the report pages' pickers use the same).
SEARCH_FROM = 8
# Bounds on what the form echoes back from a query string: one value over the API's limit is
# kept so its error explains a link with too many; a value is at most this long.
MAX_VALUES_KEPT = 101
MAX_VALUE_LENGTH = 64

# Labels of the values of a ``choice`` filter. A value may carry its own (TextChoices members
# do); the assignment log's ``source`` is an AssignmentSource, the conversation reports'
# opening and closing sources are ConversationSources.
CHOICE_LABELS = {"source": AssignmentSource}
# The label of ``none`` for filters that allow it (the report pages say the same).
NONE_LABELS = {"channel": gettext_lazy("No channel")}


def kind_filters(kind: str) -> tuple:
    """The declared filters of an export kind (empty for a kind no report registers)."""
    if kind == Export.Kind.ASSIGNMENTS:
        return ASSIGNMENT_FILTERS
    report_export = report_export_get(kind)
    return tuple(report_export.filters) if report_export is not None else ()


def kind_label(kind: str) -> str:
    try:
        return str(Export.Kind(kind).label)
    except ValueError:
        return kind


def kind_choices() -> list[tuple[str, str]]:
    return [(kind, kind_label(kind)) for kind in export_kinds()]


def period_choices() -> list[tuple[str, str]]:
    labels = {
        "today": _("Today"),
        "yesterday": _("Yesterday"),
        "last_7_days": _("Last 7 days"),
        "last_14_days": _("Last 14 days"),
        "last_30_days": _("Last 30 days"),
        "this_month": _("This month"),
        "last_month": _("Last month"),
    }
    return [(value, labels[value]) for value in PRESETS] + [(CUSTOM, _("Custom range"))]


def _values(data, key: str) -> list[str]:
    values = []
    # Repeated in a link, or a comma-separated list (``source=api,user``) as the reports take.
    for raw in data.getlist(key)[:MAX_VALUES_KEPT]:
        for item in raw.split(",")[:MAX_VALUES_KEPT]:
            value = item.strip()[:MAX_VALUE_LENGTH]
            if value and value not in values:
                values.append(value)
    return values[:MAX_VALUES_KEPT]


def _split_ids(data, key: str) -> list[str]:
    """Ids typed as a list separated by commas, semicolons or spaces (or repeated in a link)."""
    return [v for raw in data.getlist(key)[:MAX_VALUES_KEPT] for v in re.split(r"[\s,;]+", raw) if v]


def requested_kind(data) -> tuple[str, list[str]]:
    """The kind the form is for and the errors of a kind that cannot be exported."""
    kind = data.get("kind", "").strip() or Export.Kind.ASSIGNMENTS
    if kind in export_kinds():
        return kind, []
    return Export.Kind.ASSIGNMENTS, [
        _("Unknown export kind %(value)s.") % {"value": kind[:40]}
        + " " + _("Choose one of: %(choices)s.") % {"choices": ", ".join(label for _k, label in kind_choices())}
    ]


def form_state(data, kind: str) -> dict:
    """What the form shows, from the report's query string or a post, kept as given."""
    start, end = data.get("start", "").strip()[:MAX_VALUE_LENGTH], data.get("end", "").strip()[:MAX_VALUE_LENGTH]
    period = data.get("period", "").strip()[:MAX_VALUE_LENGTH]
    if not period:
        period = CUSTOM if (start or end) else DEFAULT_PRESET
    state = {
        "kind": kind, "period": period, "start": start, "end": end,
        "excel": data.get("excel") in ("on", "1", "true"), "values": {}, "texts": {},
    }
    for spec in kind_filters(kind):
        if spec.widget in TEXT_WIDGETS:
            # As typed (a post) or one id per value (a link): shown back the same way.
            state["texts"][spec.param] = ", ".join(v.strip() for v in data.getlist(spec.param) if v.strip())
            state["values"][spec.param] = _split_ids(data, spec.param)
        else:
            state["values"][spec.param] = _values(data, spec.param)
    return state


def report_filters(state: dict) -> dict[str, list[str] | str]:
    """The report parameters of the form's state: a preset or a custom range, plus the filters."""
    filters: dict[str, list[str] | str] = {}
    if state["period"] == CUSTOM:
        filters["start"], filters["end"] = state["start"], state["end"]
    else:
        filters["period"] = state["period"]
    filters.update(state["values"])
    return filters


def form_query(state: dict) -> dict[str, list[str]]:
    """The state as the page's query string (what a report's Exportar button sends)."""
    query: dict[str, list[str]] = {"kind": [state["kind"]]}
    if state["period"] == CUSTOM:
        query["period"] = [CUSTOM]
        query.update({k: [state[k]] for k in ("start", "end") if state[k]})
    else:
        query["period"] = [state["period"]]
    query.update({param: values for param, values in state["values"].items() if values})
    if state["excel"]:
        query["excel"] = ["on"]
    return query


def carried_state(data, *, from_kind: str, to_kind: str) -> dict:
    """The state of the form for ``to_kind`` after switching from ``from_kind``: the period,
    "For Excel" and the values of the filters both kinds declare with the same picker."""
    state = form_state(data, to_kind)
    old = {spec.param: spec.widget for spec in kind_filters(from_kind)}
    for spec in kind_filters(to_kind):
        if old.get(spec.param) != spec.widget:
            state["values"][spec.param] = []
            state["texts"].pop(spec.param, None)
    return state


# --- what the pickers offer ----------------------------------------------------------------


def choice_label(spec, value) -> str:
    label = getattr(value, "label", None)
    if label is None:
        labels = dict(CHOICE_LABELS.get(spec.param, ConversationSource).choices)
        label = labels.get(str(value), str(value))
    return str(label)


def none_label(spec) -> str:
    return str(NONE_LABELS.get(spec.param, _("Unassigned")))


def _named_rows(model, workspace) -> list[tuple[str, str]]:
    return [(str(pk), name) for pk, name in model.objects.filter(workspace=workspace).order_by("name", "pk")
            .values_list("pk", "name")]


# The ``options`` filters the reports declare, by parameter. A FilterSpec that brings its own
# ``options(workspace)`` is used as is (the FilterSpec docstring promises one).
OPTION_ROWS = {
    "channel": lambda workspace: _named_rows(Channel, workspace),
    "team": lambda workspace: _named_rows(Team, workspace),
}


class Lookups:
    """Names of a workspace's members, channels, teams and contacts, each read at most once."""

    def __init__(self, workspace):
        self.workspace = workspace
        self._members = None
        self._options: dict[str, list[tuple[str, str]]] = {}

    def members(self) -> list[tuple[str, str]]:
        if self._members is None:
            self._members = [(str(m.user_id), m.user.display_name) for m in member_list(workspace=self.workspace)]
        return self._members

    def options(self, spec) -> list[tuple[str, str]]:
        """The values a list filter offers, in order, with their labels (``none`` first)."""
        if spec.param not in self._options:
            provider = getattr(spec, "options", None)
            if callable(provider):
                rows = [(str(v), str(label)) for v, label in provider(self.workspace)]
            elif spec.widget == "choice":
                rows = [(str(v), choice_label(spec, v)) for v in spec.choices()]
            elif spec.widget == "member":
                rows = list(self.members())
            else:
                rows = OPTION_ROWS.get(spec.param, lambda workspace: [])(self.workspace)
            if spec.allow_none:
                rows = [(NONE_VALUE, none_label(spec)), *rows]
            self._options[spec.param] = rows
        return self._options[spec.param]

    def contact_names(self, ids) -> dict[str, str]:
        """Names of this workspace's contacts among ``ids`` (anything else is shown as its id)."""
        numeric = {int(v) for v in ids if str(v).isascii() and str(v).isdigit() and len(str(v)) <= 18}
        if not numeric:
            return {}
        rows = Contact.objects.filter(workspace=self.workspace, pk__in=numeric).only("id", "first_name", "last_name")
        return {str(c.pk): c.name or f"#{c.pk}" for c in rows}


def form_fields(*, state: dict, lookups: Lookups, errors: dict) -> list[dict]:
    """The filters of the state's kind as the template draws them."""
    fields = []
    for spec in kind_filters(state["kind"]):
        selected = state["values"].get(spec.param, [])
        field = {
            "param": spec.param, "label": str(spec.label), "widget": spec.widget,
            "id": f"export-{spec.param.replace('_', '-')}", "errors": errors.get(spec.param, []),
            "list": spec.widget in LIST_WIDGETS,
        }
        if spec.widget in LIST_WIDGETS:
            rows = lookups.options(spec)
            known = {value for value, _label in rows}
            # A value the list does not offer (a former member in an old link, a mistyped URL)
            # stays checked, so the export's error names it instead of the form dropping it.
            rows = rows + [(value, f"#{value}") for value in selected if value not in known]
            field["options"] = [
                {"value": value, "label": label, "checked": value in selected, "id": f"{field['id']}-{index}"}
                for index, (value, label) in enumerate(rows)
            ]
            field["searchable"] = len(rows) > SEARCH_FROM
            field["dots"] = spec.widget == "choice"
        else:
            field["text"] = state["texts"].get(spec.param, ", ".join(selected))
            if spec.widget == "contact":
                names = lookups.contact_names(selected)
                field["names"] = [names[v] for v in selected if v in names]
                field["placeholder"] = _("Contact IDs, separated by commas")
            elif spec.param == "conversation":
                field["placeholder"] = _("Conversation IDs, separated by commas")
            else:
                field["placeholder"] = _("IDs, separated by commas")
        fields.append(field)
    return fields


# --- the history ---------------------------------------------------------------------------


def filters_in_words(exports, *, lookups: Lookups) -> dict[int, list[str]]:
    """Each export's filters as "Label: value, value" lines, in the order its kind declares them."""
    contact_ids = {v for e in exports for spec in kind_filters(e.kind) if spec.widget == "contact"
                   for v in e.filters.get(spec.param, [])}
    contacts = lookups.contact_names(contact_ids)
    words: dict[int, list[str]] = {}
    for export in exports:
        lines = []
        for spec in kind_filters(export.kind):
            values = [str(v) for v in export.filters.get(spec.param, []) or []]
            if not values:
                continue
            if spec.widget in LIST_WIDGETS:
                labels = dict(lookups.options(spec))
                shown = [labels.get(v, f"#{v}") for v in values]
            elif spec.widget == "contact":
                shown = [contacts.get(v, f"#{v}") for v in values]
            else:
                shown = [f"#{v}" for v in values]
            lines.append(_("%(filter)s: %(values)s") % {"filter": spec.label, "values": ", ".join(shown)})
        words[export.pk] = lines
    return words
