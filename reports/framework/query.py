"""A report's query string, parsed and validated once: period, declared filters, interval, page.

Every 400 of a report is raised here (docs/reports.md "What every report shares"): selectors
receive a valid ``ReportQuery`` and raise nothing HTTP. A report declares its filters as
``FilterSpec`` values; ``report_query_parse`` validates any of them the same way:
repeatable values, each of which may be a comma-separated list (``?source=api,user`` is
``?source=api&source=user``; at most ``MAX_VALUES_PER_FILTER`` in all), choices from a fixed list, ids that must
exist in the workspace (a 400 naming the field otherwise, exactly like an id that exists
nowhere, so nothing leaks across tenants), an optional ``none`` value.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from crm.api import ApiError

from ..periods import DEFAULT_PRESET, ReportPeriod, report_period_resolve
from .buckets import INTERVALS, MAX_BUCKETS, bucket_count

NONE_VALUE = "none"
# A URL with more values than this for one filter is not a person picking from a list.
MAX_VALUES_PER_FILTER = 100
# Ids are positive and fit a 64-bit integer column on every database.
MAX_ID = 2**63 - 1
# Only the newest 10,000 matching rows of a log are reachable; more is an export.
LOG_ROW_CAP = 10_000
LOG_DEFAULT_PAGE_SIZE = 50
LOG_MAX_PAGE_SIZE = 100

CHOICE = "choice"
ID = "id"


@dataclass(frozen=True)
class FilterSpec:
    """One filter of a report: a repeatable query parameter.

    ``kind`` is ``choice`` (``choices()`` gives the allowed values) or ``id`` (positive ids;
    ``exists(workspace, ids)`` returns those that exist in the workspace). ``allow_none`` admits
    the value ``none`` (e.g. "Sin asignar"). ``widget`` tells the page which picker to show:
    ``choice``, ``member``, ``contact``, ``number`` or ``options``; ``options(workspace)`` lists
    the values a ``choice`` or ``options`` picker offers, with their labels.
    """

    param: str
    label: object  # a lazy translated string
    kind: str
    widget: str
    description: str = ""
    choices: Callable[[], Iterable[str]] | None = None
    exists: Callable[[object, list[int]], Iterable[int]] | None = None
    allow_none: bool = False
    no_such: object = None  # lazy "No … with id %(ids)s in this workspace."
    unknown: object = None  # lazy "Unknown … %(value)s. Choose from: %(choices)s."
    # What a picker offers, for ``choice`` and ``options`` widgets: ``options(workspace)`` gives
    # ``[(value, label)]`` in order (labels translated in the active language).
    options: Callable[[object], Iterable[tuple[str, str]]] | None = None
    none_label: object = None  # the label of ``none`` (default: "Unassigned")
    dots: bool = False  # values have a colour (``--src-<value>``) shown as a dot


@dataclass(frozen=True)
class ReportQuery:
    """A resolved period and validated filter values; a missing key means "no filter"."""

    period: ReportPeriod
    values: dict[str, tuple] = field(default_factory=dict)
    none: frozenset[str] = frozenset()
    interval: str | None = None
    # The preset the period came from, None for a custom range.
    preset: str | None = None
    # The validated ``sort`` of a report that declares sortable columns (``sort_parse``).
    sort: str | None = None

    def get(self, param: str) -> tuple:
        return self.values.get(param, ())

    def has(self, param: str) -> bool:
        return bool(self.values.get(param)) or param in self.none

    def includes_none(self, param: str) -> bool:
        return param in self.none

    @property
    def has_filters(self) -> bool:
        return any(self.has(param) for param in set(self.values) | set(self.none))

    def as_query(self) -> dict[str, list[str]]:
        """The query as a dict ``report_query_parse`` turns back into it, with the resolved dates
        (so a stored query, e.g. an export's, keeps meaning the same days)."""
        query = {"start": [self.period.start.isoformat()], "end": [self.period.end.isoformat()]}
        for param in sorted(set(self.values) | set(self.none)):
            query[param] = [str(v) for v in self.values.get(param, ())] + ([NONE_VALUE] if param in self.none else [])
        if self.sort:
            query["sort"] = [self.sort]
        return query


def query_values(data, key: str) -> list:
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


def query_list_values(data, key: str) -> list:
    """The values of a repeatable filter: every value of ``key``, a text value read as a
    comma-separated list (``source=api,user`` = ``source=api&source=user``; empty items, as in
    ``api,`` or ``api,,user``, are ignored like empty values)."""
    values = []
    for value in query_values(data, key):
        if isinstance(value, str) and "," in value:
            values.extend(item for item in value.split(",") if item.strip())
        else:
            values.append(value)
    return values


def query_scalar(data, key: str, errors: dict):
    values = query_values(data, key)
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


def query_ids(values: Iterable, key: str, errors: dict) -> list[int]:
    ids: list[int] = []
    for value in values:
        if isinstance(value, bool) or not isinstance(value, int | str):
            errors.setdefault(key, []).append(_("Ids are whole numbers."))
            return []
        text = str(value).strip()
        if not text.isascii() or not text.isdigit() or len(text) > 19 or int(text) < 1 or int(text) > MAX_ID:
            errors.setdefault(key, []).append(_("%(value)s is not a valid id.") % {"value": text[:40]})
            return []
        number = int(text)
        if number not in ids:
            ids.append(number)
    return ids


def query_count_ok(values: list, key: str, errors: dict) -> bool:
    if len(values) > MAX_VALUES_PER_FILTER:
        errors[key] = [_("At most %(max)s values per filter.") % {"max": MAX_VALUES_PER_FILTER}]
        return False
    return True


def missing_ids(ids: list[int], found: Iterable[int]) -> list[int]:
    found = set(found)
    return [i for i in ids if i not in found]


def error_message(errors: dict[str, list[str]], fallback: str) -> str:
    if len(errors) == 1:
        field_name, reasons = next(iter(errors.items()))
        return _("%(field)s: %(reason)s") % {"field": field_name, "reason": reasons[0]}
    return fallback


def period_and_interval_parse(*, workspace, data, errors: dict) -> tuple[ReportPeriod | None, str | None, str | None]:
    """The period (preset or custom range), the requested interval and the preset name."""
    period_value = query_scalar(data, "period", errors)
    start_value = query_scalar(data, "start", errors)
    end_value = query_scalar(data, "end", errors)
    interval = query_scalar(data, "interval", errors)
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
        elif period is not None and bucket_count(period, interval) > MAX_BUCKETS:
            errors["interval"] = [_(
                "This interval gives more than %(max)s bars for the period; choose a longer interval or a shorter period."
            ) % {"max": MAX_BUCKETS}]
    preset = None if (start_value or end_value) else (period_value or DEFAULT_PRESET)
    return period, interval, preset


def filter_values_parse(*, spec: FilterSpec, workspace, data, errors: dict) -> tuple[tuple, bool]:
    """The validated values of one declared filter and whether ``none`` was given."""
    raw = query_list_values(data, spec.param)
    if not query_count_ok(raw, spec.param, errors):
        return (), False
    has_none = False
    if spec.allow_none:
        rest = []
        for value in raw:
            if isinstance(value, str) and value.strip().lower() == NONE_VALUE:
                has_none = True
            else:
                rest.append(value)
        raw = rest
    if spec.kind == CHOICE:
        allowed = list(spec.choices())
        values: list[str] = []
        for value in raw:
            text = value.strip() if isinstance(value, str) else None
            if text not in allowed:
                message = str(spec.unknown or _("Unknown value %(value)s. Choose from: %(choices)s."))
                errors[spec.param] = [message % {"value": str(value)[:40], "choices": ", ".join(allowed)}]
                return (), False
            if text not in values:
                values.append(text)
        return tuple(values), has_none
    ids = query_ids(raw, spec.param, errors)
    if ids and spec.exists is not None:
        missing = missing_ids(ids, spec.exists(workspace, ids))
        if missing:
            errors[spec.param] = [str(spec.no_such or _("No object with id %(ids)s in this workspace.")) % {
                "ids": ", ".join(str(i) for i in missing[:10])}]
            return (), False
    return tuple(ids), has_none


def sort_parse(data, *, columns: Iterable[str], default: str, errors: dict) -> str:
    """``sort``: one of ``columns``, optionally prefixed by ``-`` (descending); ``default`` when
    not given; anything else is an error naming ``sort``."""
    columns = list(columns)
    value = query_scalar(data, "sort", errors)
    if value is None or "sort" in errors:
        return default
    if value.removeprefix("-") not in columns:
        errors["sort"] = [_("Unknown sort %(value)s. Choose one of: %(choices)s (a leading - sorts descending).") % {
            "value": value[:40], "choices": ", ".join(columns)}]
        return default
    return value


def report_query_parse(*, filters: Iterable[FilterSpec], workspace, data, sorts: Iterable[str] | None = None,
                       default_sort: str | None = None) -> ReportQuery:
    """Validate a report's parameters from a QueryDict or a plain dict into a ``ReportQuery``.

    Raises ``ApiError`` (400) with one entry per bad field. Keys no filter declares
    (``page``, ``page_size``, ...) are ignored; ``sort`` is validated only for a report that
    declares ``sorts`` (its sortable columns).
    """
    errors: dict[str, list[str]] = {}
    period, interval, preset = period_and_interval_parse(workspace=workspace, data=data, errors=errors)
    sort = sort_parse(data, columns=sorts, default=default_sort, errors=errors) if sorts else None
    values: dict[str, tuple] = {}
    none: set[str] = set()
    for spec in filters:
        parsed, has_none = filter_values_parse(spec=spec, workspace=workspace, data=data, errors=errors)
        if parsed:
            values[spec.param] = parsed
        if has_none:
            none.add(spec.param)
    if errors:
        raise ApiError(error_message(errors, _("The report parameters are not valid.")), errors)
    return ReportQuery(period=period, values=values, none=frozenset(none), interval=interval, preset=preset,
                       sort=sort)


def _positive_int(data, name: str, default: int, errors: dict) -> int:
    raw = query_scalar(data, name, errors)
    if raw is None:
        return default
    if not raw.isdigit() or len(raw) > 9 or int(raw) < 1:
        errors[name] = [_("Not a positive whole number.")]
        return default
    return int(raw)


def log_page_parse(data) -> tuple[int, int]:
    """``page`` and ``page_size`` of a report log; a page past the reachable rows is a 400
    pointing to Data Export."""
    errors: dict[str, list[str]] = {}
    page = _positive_int(data, "page", 1, errors)
    page_size = _positive_int(data, "page_size", LOG_DEFAULT_PAGE_SIZE, errors)
    if "page_size" not in errors and page_size > LOG_MAX_PAGE_SIZE:
        errors["page_size"] = [_("At most %(max)s.") % {"max": LOG_MAX_PAGE_SIZE}]
    if errors:
        if "page_size" in errors and "page" not in errors and page_size > LOG_MAX_PAGE_SIZE:
            message = _("page_size may be at most %(max)s.") % {"max": LOG_MAX_PAGE_SIZE}
        else:
            name = next(iter(errors))
            message = _("%(name)s must be a positive whole number.") % {"name": name}
        raise ApiError(message, errors)
    if (page - 1) * page_size >= LOG_ROW_CAP:
        cap = number_format(LOG_ROW_CAP, force_grouping=True)
        reason = _(
            "The log shows at most the newest %(cap)s rows. To get every row, use Data Export (Settings → Data Export)."
        ) % {"cap": cap}
        raise ApiError(reason, {"page": [_("Beyond the newest %(cap)s rows.") % {"cap": cap}]})
    return page, page_size


class LogPageOutOfRange(ValueError):
    """A log page past the last matching row (the API answers 400)."""

    def __init__(self, page: int):
        super().__init__(page)
        self.page = page


def log_page_error(exc: LogPageOutOfRange) -> ApiError:
    return ApiError(_("Page %(page)s does not exist.") % {"page": exc.page}, {"page": [_("Out of range.")]})
