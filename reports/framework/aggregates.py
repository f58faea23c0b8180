"""Aggregates of a report's filtered sets computed in the database where it can, with the same
definitions as ``numbers`` (docs/reports.md "Tabla de Clasificación", "Median").

``medians_by_group`` gives the whole-second median of a value per group and over all rows. On
PostgreSQL it is one statement, ``floor(percentile_cont(0.5) WITHIN GROUP (ORDER BY value))``
with ``GROUPING SETS ((group), ())``: linear interpolation at 0.5 is the middle value for an odd
count and the mean of the two middle values for an even one, and whole seconds (< 2^53) are exact
in a double, so it equals ``numbers.median_whole``. Elsewhere (SQLite) the values are read and
``median_whole`` computes the same numbers in Python.
"""

from django.db import connections
from django.db.models import QuerySet

from .numbers import median_whole


def medians_by_group(rows: QuerySet, *, group: str, value: str) -> tuple[dict, int | None]:
    """``({group value: median}, median of every row)`` of ``value`` over ``rows`` (rows whose
    ``value`` is null are left out; a group without values has no entry)."""
    rows = rows.order_by().filter(**{f"{value}__isnull": False})
    connection = connections[rows.db]
    if connection.vendor == "postgresql":
        inner, params = rows.values_list(group, value).query.sql_with_params()
        sql = (f"SELECT g, grouping(g), floor(percentile_cont(0.5) WITHIN GROUP (ORDER BY v))::bigint "
               f"FROM ({inner}) AS m(g, v) GROUP BY GROUPING SETS ((g), ())")
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            result = cursor.fetchall()
        per_group = {key: median for key, total, median in result if not total}
        overall = next((median for _, total, median in result if total), None)
        return per_group, overall
    values: dict = {}
    every = []
    for key, seconds in rows.values_list(group, value).iterator(chunk_size=5000):
        values.setdefault(key, []).append(seconds)
        every.append(seconds)
    return {key: median_whole(v) for key, v in values.items()}, median_whole(every)
