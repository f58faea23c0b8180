"""Page-number pagination shared by list endpoints: ``?page=&page_size=`` (max 100)."""

from django.utils.translation import gettext as _
from rest_framework.response import Response

from crm.api import ApiError

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 100


def parse_positive_int(request, name: str, default: int, maximum: int | None = None) -> int:
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return default
    if not raw.isdigit() or int(raw) < 1 or len(raw) > 9:
        raise ApiError(_("%(name)s must be a positive whole number.") % {"name": name}, {name: [_("Not a positive whole number.")]})
    value = int(raw)
    if maximum is not None and value > maximum:
        raise ApiError(
            _("%(name)s may be at most %(max)s.") % {"name": name, "max": maximum},
            {name: [_("At most %(max)s.") % {"max": maximum}]},
        )
    return value


def page_url(request, page: int) -> str:
    params = request.query_params.copy()
    params["page"] = str(page)
    return request.build_absolute_uri(request.path + "?" + params.urlencode())


def paginate(request, rows, serializer_class, *, context=None) -> Response:
    """Paginate a queryset or list and answer ``{count, page, page_size, next, previous, results}``."""
    page = parse_positive_int(request, "page", 1)
    page_size = parse_positive_int(request, "page_size", DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
    count = rows.count() if hasattr(rows, "count") and not isinstance(rows, list) else len(rows)
    offset = (page - 1) * page_size
    if page > 1 and offset >= count:
        raise ApiError(_("Page %(page)s does not exist.") % {"page": page}, {"page": [_("Out of range.")]})
    chunk = rows[offset : offset + page_size]
    data = serializer_class(chunk, many=True, context=context or {"request": request}).data
    return Response(
        {
            "count": count,
            "page": page,
            "page_size": page_size,
            "next": page_url(request, page + 1) if offset + page_size < count else None,
            "previous": page_url(request, page - 1) if page > 1 else None,
            "results": data,
        }
    )


_PAGE_SERIALIZERS: dict[str, type] = {}


def page_serializer(item_serializer, name: str):
    """The schema of ``paginate``'s answer for drf-spectacular, e.g.
    ``responses={200: page_serializer(ContactSerializer, "ContactPage")}``.

    ``name`` is the component name; one class per name, so two views listing the same rows
    share one component instead of colliding.
    """
    from rest_framework import serializers

    if name not in _PAGE_SERIALIZERS:
        item = item_serializer if isinstance(item_serializer, type) else type(item_serializer)
        _PAGE_SERIALIZERS[name] = type(
            name,
            (serializers.Serializer,),
            {
                "__doc__": "A page of rows: `next`/`previous` are absolute URLs or null.",
                "count": serializers.IntegerField(help_text="Rows in all pages."),
                "page": serializers.IntegerField(),
                "page_size": serializers.IntegerField(),
                "next": serializers.URLField(allow_null=True),
                "previous": serializers.URLField(allow_null=True),
                "results": item(many=True),
            },
        )
    return _PAGE_SERIALIZERS[name]
