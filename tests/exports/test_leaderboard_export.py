"""Data Export of the Tabla de Clasificación (kind ``leaderboard``): the board's rows, through the
real export job (in-process here; tests/exports/test_worker.py runs the real worker for the shared
job machinery)."""

import csv
import io
from datetime import timedelta

from django.utils import timezone

from accounts.context import Actor
from accounts.models import Membership
from contacts.models import ConversationSource, Message, SenderKind
from contacts.services import conversation_close, conversation_open, message_create
from exports.models import Export
from reports.framework.query import report_query_parse
from reports.leaderboard import CSV_COLUMNS, FILTERS, leaderboard_board
from tests.factories import ContactFactory, member


def _download(client, export):
    body = b"".join(client.get(f"/api/v1/exports/{export.pk}/download").streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


def test_leaderboard_export_writes_every_row_of_the_board(alice_client, workspace, alice, bob,
                                                          django_capture_on_commit_callbacks):
    member(workspace, Membership.Role.AGENT, email="eq@acme.example", name="=HYPERLINK(1)")
    now = timezone.now()
    for i, user in enumerate([bob, bob, alice]):
        opened = now - timedelta(hours=5 - i)
        conv, _ = conversation_open(contact=ContactFactory(workspace=workspace), at=opened)
        message_create(conversation=conv, direction=Message.Direction.IN, text="Hola", sender_kind=SenderKind.CONTACT,
                       at=opened)
        message_create(conversation=conv, direction=Message.Direction.OUT, text="Buenas", sender_kind=SenderKind.USER,
                       author=user, at=opened + timedelta(seconds=30 * (i + 1)))
        conversation_close(conversation=conv, closed_by=user, source=ConversationSource.USER,
                           at=opened + timedelta(minutes=10))
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post("/api/v1/exports", {"kind": "leaderboard", "filters": {"period": "last_7_days"}},
                                     format="json")
    assert response.status_code == 202, response.json()
    export = Export.objects.get(pk=response.json()["id"])
    assert export.status == Export.Status.SUCCEEDED and export.kind == "leaderboard", export.error
    assert export.download_filename.startswith("tabla-de-clasificacion-")

    rows = _download(alice_client, export)
    query = report_query_parse(filters=FILTERS, workspace=workspace, data=export.filters)
    board = leaderboard_board(workspace=workspace, actor=Actor(workspace=workspace, role=Membership.Role.OWNER),
                              query=query)
    assert rows[0] == CSV_COLUMNS
    assert [int(r[3]) for r in rows[1:]] == [r.user_id for r in board.rows]
    # nobody closed anything the week before: every row tied first then
    assert [r[:3] for r in rows[1:]] == [["1", "1", "0"], ["2", "1", "-1"], ["3", "1", "-2"]]
    assert (rows[1][4], rows[1][7], rows[1][8], rows[1][9]) == ("Bob", "2", "2", "45")  # median of 30 s, 60 s
    assert export.row_count == 3
    # CSV injection: a text cell starting with = is quoted with a leading apostrophe
    assert any(r[4].startswith("'=HYPERLINK(1)") for r in rows[1:])


def test_an_agent_may_not_export_the_leaderboard(bob_client):
    response = bob_client.post("/api/v1/exports", {"kind": "leaderboard", "filters": {}}, format="json")
    assert response.status_code == 403 and response.json()["message"]


def test_the_export_keeps_the_boards_sort(alice_client, workspace, alice, bob, django_capture_on_commit_callbacks):
    now = timezone.now()
    for user in (bob, bob, alice):
        conv, _ = conversation_open(contact=ContactFactory(workspace=workspace), at=now - timedelta(hours=2))
        conversation_close(conversation=conv, closed_by=user, source=ConversationSource.USER,
                           at=now - timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post("/api/v1/exports", {"kind": "leaderboard", "filters": {
            "period": "last_7_days", "sort": "closed"}}, format="json")
    assert response.status_code == 202, response.json()
    export = Export.objects.get(pk=response.json()["id"])
    assert export.status == Export.Status.SUCCEEDED and export.filters["sort"] == ["closed"], export.error
    rows = _download(alice_client, export)[1:]
    # Ascending Cerradas: Alice (1) before Bob (2), ranked by that column (Bob is first).
    names = [r[4] for r in rows]
    assert names.index(alice.display_name) < names.index(bob.display_name)
    assert [r[7] for r in rows] == sorted(r[7] for r in rows)
    assert {r[4]: r[0] for r in rows}[bob.display_name] == "1"
    # An unknown sort is a 400 naming it, as on the board's endpoints.
    response = alice_client.post("/api/v1/exports", {"kind": "leaderboard", "filters": {"sort": "nope"}},
                                 format="json")
    assert response.status_code == 400 and "filters.sort" in response.json()["errors"]
