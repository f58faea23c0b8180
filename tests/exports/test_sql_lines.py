"""PostgreSQL's fast path writes exactly the bytes of the Python CSV writer."""

import io
import random
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from accounts.context import Actor
from accounts.models import Membership
from assignments.models import AssignmentEvent
from exports import services
from exports.models import Export
from exports.services import export_write_csv

pytestmark = []

TRICKY_NAMES = ["José Pérez", "Pérez, \"Pepe\"", "línea\nnueva", "=1+1", "+SUM(A1)", "-2", "@cmd", "\tTab",
                "\rCR", "", "'ya citado", "coma,al,final,", "comillas \"\"", "emoji 😀", "a\r\nb"]


# DST changes inside the range: New York and St. John's (-03:30/-02:30) on March 8, Lord Howe
# (+11:00/+10:30, a half-hour DST) and Chatham (+13:45/+12:45) on April 5; +05:30 and +05:45.
TIMEZONES = ["America/Mexico_City", "America/New_York", "UTC", "Asia/Kolkata", "America/St_Johns",
             "Asia/Kathmandu", "Australia/Lord_Howe", "Pacific/Chatham"]


@pytest.mark.postgres
@pytest.mark.django_db
@pytest.mark.parametrize("tz", TIMEZONES)
def test_sql_lines_equal_python_csv(settings, monkeypatch, workspace, alice, bob, contacts, tz):
    monkeypatch.setattr(services, "COPY_BLOCK_ROWS", 7)  # block edges everywhere (COPY path)
    workspace.timezone = tz
    workspace.save()
    start = datetime(2026, 3, 7, tzinfo=UTC)  # 120 events 7 h apart: to April 11
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


def test_crlf_rows_equals_the_line_by_line_rule_on_random_chunks():
    from exports.csv_format import crlf_rows

    def line_by_line(data: bytes) -> bytes:
        out, inside = bytearray(), False
        for byte in data:
            if byte == ord('"'):
                inside = not inside
            out += b"\r\n" if byte == ord("\n") and not inside else bytes([byte])
        return bytes(out)

    rng = random.Random(8)
    for _ in range(2_000):
        data = bytes(rng.choice(b'ab,"\n') for _ in range(rng.randint(0, 40)))
        cuts = sorted(rng.sample(range(len(data) + 1), min(len(data) + 1, rng.randint(0, 6))))
        chunks = [data[a:b] for a, b in zip([0, *cuts], [*cuts, len(data)], strict=True)]
        assert b"".join(crlf_rows(chunks)) == line_by_line(data)


def _session_timezone(cursor) -> str:
    cursor.execute("SHOW TimeZone")
    return cursor.fetchone()[0]


@pytest.mark.postgres
@pytest.mark.django_db
def test_copy_in_a_callers_transaction_leaves_its_timezone_alone(settings, workspace, alice, contacts):
    # given: a workspace far from UTC, and the caller inside a transaction (COPY on its connection)
    workspace.timezone = "Asia/Kathmandu"
    workspace.save()
    AssignmentEvent.objects.create(workspace=workspace, created_at=datetime(2026, 3, 7, 23, 59, tzinfo=UTC),
                                   source="api", contact_id=contacts[0].pk, contact_name="Ana")
    export = Export.objects.create(workspace=workspace, requested_by=alice, filters={"start": ["2026-03-01"], "end": ["2026-03-31"]})
    actor = Actor.for_membership(Membership.objects.get(workspace=workspace, user=alice))
    settings.EXPORT_COPY = True
    with connection.cursor() as cursor:
        before = _session_timezone(cursor)
    # when
    buffer = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", newline="")
    assert export_write_csv(export=export, actor=actor, fh=buffer) == 1
    buffer.flush()
    # then: the local time and offset are the workspace's, and the connection kept its own TimeZone
    assert buffer.buffer.getvalue().splitlines()[1].startswith(b"2026-03-08T05:44:00+05:45,")
    with connection.cursor() as cursor:
        assert _session_timezone(cursor) == before
    assert AssignmentEvent.objects.get().created_at.utcoffset() == timedelta(0)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_copy_on_its_own_connection_in_a_worker_equals_python_csv(settings, workspace, alice, bob, contacts):
    # given: autocommit, as in a worker: COPY streams on a connection of its own, progress goes live
    workspace.timezone = "America/St_Johns"
    workspace.save()
    start = datetime(2026, 3, 7, tzinfo=UTC)
    AssignmentEvent.objects.bulk_create([
        AssignmentEvent(workspace=workspace, created_at=start + timedelta(hours=5 * i, seconds=i), source="user",
                        contact_id=contacts[i % len(contacts)].pk, contact_name=name, new_assignee_id=alice.pk,
                        new_assignee_name="" if i % 2 else name, assigned_by_id=bob.pk, assigned_by_name=name)
        for i, name in enumerate(TRICKY_NAMES * 3)
    ])
    export = Export.objects.create(workspace=workspace, requested_by=alice, filters={"start": ["2026-03-01"], "end": ["2026-03-31"]})
    actor = Actor.for_membership(Membership.objects.get(workspace=workspace, user=alice))
    settings.EXPORT_PROGRESS_SECONDS = 0
    assert not connection.in_atomic_block
    with connection.cursor() as cursor:
        before = _session_timezone(cursor)
    outputs = {}
    for fast in (True, False):
        settings.EXPORT_COPY = fast
        buffer = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", newline="")
        seen = []
        rows = export_write_csv(export=export, actor=actor, fh=buffer, on_rows=seen.append)
        buffer.flush()
        outputs[fast] = (rows, seen[-1], buffer.buffer.getvalue())
    # then
    assert outputs[True] == outputs[False]
    assert outputs[True][0] == len(TRICKY_NAMES) * 3
    with connection.cursor() as cursor:
        assert _session_timezone(cursor) == before
