"""PostgreSQL's fast path writes exactly the bytes of the Python CSV writer."""

import io
from datetime import UTC, datetime, timedelta

import pytest

from accounts.context import Actor
from accounts.models import Membership
from assignments.models import AssignmentEvent
from exports.models import Export
from exports.services import export_write_csv

pytestmark = []

TRICKY_NAMES = ["José Pérez", "Pérez, \"Pepe\"", "línea\nnueva", "=1+1", "+SUM(A1)", "-2", "@cmd", "\tTab",
                "\rCR", "", "'ya citado", "coma,al,final,", "comillas \"\"", "emoji 😀", "a\r\nb"]


@pytest.mark.postgres
@pytest.mark.django_db
@pytest.mark.parametrize("tz", ["America/Mexico_City", "America/New_York", "UTC", "Asia/Kolkata"])
def test_sql_lines_equal_python_csv(settings, workspace, alice, bob, contacts, tz):
    workspace.timezone = tz
    workspace.save()
    start = datetime(2026, 3, 7, tzinfo=UTC)  # crosses the March DST change in New York
    events = []
    for i, name in enumerate(TRICKY_NAMES * 8):
        user_name = TRICKY_NAMES[(i + 3) % len(TRICKY_NAMES)]
        events.append(AssignmentEvent(
            workspace=workspace, created_at=start + timedelta(hours=7 * i, seconds=i, microseconds=999_999),
            source=["api", "user", "bot"][i % 3], contact_id=contacts[i % len(contacts)].pk, contact_name=name,
            conversation_id=None if i % 2 else 1000 + i,
            previous_assignee_id=None if i % 4 == 0 else bob.pk, previous_assignee_name=user_name,
            new_assignee_id=None if i % 5 == 0 else alice.pk, new_assignee_name="" if i % 7 == 0 else user_name,
            assigned_by_id=alice.pk if i % 3 == 1 else None, assigned_by_name=user_name if i % 3 == 1 else "",
        ))
    AssignmentEvent.objects.bulk_create(events)
    export = Export.objects.create(workspace=workspace, requested_by=alice,
                                   filters={"start": ["2026-03-01"], "end": ["2026-04-30"]})
    actor = Actor.for_membership(Membership.objects.get(workspace=workspace, user=alice))

    outputs = {}
    for fast in (True, False):
        settings.EXPORT_COPY = fast
        settings.EXPORT_BATCH_SIZE = 7  # batch edges everywhere (Python path)
        buffer = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", newline="")
        rows = export_write_csv(export=export, actor=actor, fh=buffer)
        buffer.flush()
        outputs[fast] = (rows, buffer.buffer.getvalue())

    assert outputs[True][0] == outputs[False][0] == len(events)
    assert outputs[True][1] == outputs[False][1]


@pytest.mark.parametrize("size", [1, 2, 3, 5, 64])
def test_crlf_rows_keeps_line_breaks_inside_quoted_cells(size):
    from exports.csv_format import crlf_rows

    data = b'a,"x\ny",b\nc,"q""\n""",d\ne,f,g\n'
    chunks = [data[i:i + size] for i in range(0, len(data), size)]
    assert b"".join(crlf_rows(chunks)) == b'a,"x\ny",b\r\nc,"q""\n""",d\r\ne,f,g\r\n'
