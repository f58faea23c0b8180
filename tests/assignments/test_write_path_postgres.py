"""The PostgreSQL write path of ``contact_assign`` (one round trip) against the ORM path.

``contact_assign`` writes through one SQL round trip on PostgreSQL and through the ORM on
SQLite and for past timestamps; both must leave exactly the same events, contacts and rollup.
"""

import random
from collections import Counter

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from accounts.models import Membership
from assignments import services
from assignments.models import AssignmentEvent, AssignmentSource, ConversationAssignments
from assignments.rollups import (
    _LOCK_CLASS,
    conversation_assignments_fill_sql,
    fact_snapshot,
    rollup_rebuild,
    rollup_snapshot,
)
from assignments.services import AssignmentError, contact_assign
from contacts.models import Contact
from contacts.services import conversation_close, conversation_open
from tests.factories import ContactFactory, UserFactory, WorkspaceFactory, member

pytestmark = pytest.mark.postgres

# Contact names that exercise Contact.name: spaces, Python-only whitespace, nothing at all.
NAMES = [("José", "Pérez"), ("Ana", ""), ("  Luz ", " María  "), ("\u3000Kenji\u00a0", "\t"), ("   ", ""),
         ("", ""), ("Ñandú", "O'Brien")]
EVENT_FIELDS = ["source", "contact_name", "previous_assignee_id", "previous_assignee_name", "new_assignee_id",
                "new_assignee_name", "assigned_by_id", "assigned_by_name"]


def orm_assign(**kwargs):
    """The ORM path, as SQLite and history imports run it (same checks as ``contact_assign``)."""
    with transaction.atomic():
        source, by = kwargs["source"], kwargs.get("assigned_by")
        kwargs["assigned_by"] = by if source == AssignmentSource.USER else None
        return services._contact_assign_orm(at=None, **kwargs)


@pytest.fixture
def people(db):
    """Users who are members of two workspaces (one per path), one without a name."""
    fast, orm = WorkspaceFactory(timezone="Asia/Kolkata"), WorkspaceFactory(timezone="Asia/Kolkata")
    users = [UserFactory(name=f"Agente {i}") for i in range(4)] + [UserFactory(name="")]
    for user in users:
        for workspace in (fast, orm):
            Membership.objects.create(workspace=workspace, user=user, role=Membership.Role.AGENT)
    outsider = member(WorkspaceFactory(), Membership.Role.AGENT, name="Fuera")
    return fast, orm, users, outsider


def _contacts(workspace):
    contacts = [ContactFactory(workspace=workspace, first_name=first, last_name=last) for first, last in NAMES]
    conversation_open(contact=contacts[0])
    closed, _ = conversation_open(contact=contacts[1])
    conversation_close(conversation=closed, source="api")
    conversation_open(contact=contacts[2])
    return contacts


def _run(assign, contacts, users, outsider, *, seed=11, steps=250):
    """A random sequence of assignments; returns what each step gave (event, None or the error)."""
    rng = random.Random(seed)
    outcomes = []
    for _ in range(steps):
        contact = Contact.objects.get(pk=contacts[rng.randrange(len(contacts))].pk)
        roll = rng.random()
        assignee = outsider if roll < 0.03 else rng.choice(users + [None])
        source = rng.choice(AssignmentSource.values)
        by = outsider if roll > 0.97 else rng.choice(users)
        try:
            event = assign(contact=contact, assignee=assignee, source=source, assigned_by=by)
        except AssignmentError as exc:
            outcomes.append(("error", exc.field, exc.message))
            continue
        assert contact.assignee_id == (assignee.pk if assignee else None)
        outcomes.append(None if event is None else ("event", *_fields(event)))
    return outcomes


def _fields(event):
    """The event's columns that must match across paths; a "#<id>" name stands for "the contact's id"."""
    values = [getattr(event, f) for f in EVENT_FIELDS]
    if event.contact_name == f"#{event.contact_id}":
        values[EVENT_FIELDS.index("contact_name")] = "#<id>"
    return values


def _event_rows(workspace, contacts):
    position = {c.pk: i for i, c in enumerate(contacts)}
    conversations = {}
    rows = []
    for event in AssignmentEvent.objects.filter(workspace=workspace).order_by("created_at", "id"):
        if event.conversation_id is not None:
            # the n-th conversation seen stands for the same conversation in both sets
            conversations.setdefault(event.conversation_id, len(conversations))
        rows.append((position[event.contact_id], conversations.get(event.conversation_id), *_fields(event)))
    return rows


def _tallies(workspace):
    return list(ConversationAssignments.objects.filter(workspace=workspace).order_by("conversation_id").values_list(
        "assignments", "last_assigned_at", "reassigned_at"))


def _rollup_without_days(workspace):
    totals = Counter()
    for (dimension, key, _day, source), count in rollup_snapshot(workspace=workspace).items():
        totals[(dimension, key, source)] += count
    return totals


@pytest.mark.parametrize("transactional", [
    # outside any transaction: one message, one implicit transaction
    pytest.param(True, marks=pytest.mark.django_db(transaction=True), id="own-transaction"),
    # inside the caller's transaction: a savepoint, as transaction.atomic nests
    pytest.param(False, id="nested"),
])
def test_both_paths_write_the_same_events_contacts_and_rollup(people, transactional):
    fast, orm, users, outsider = people
    assert connection.in_atomic_block is not transactional
    fast_contacts, orm_contacts = _contacts(fast), _contacts(orm)

    fast_outcomes = _run(contact_assign, fast_contacts, users, outsider)
    orm_outcomes = _run(orm_assign, orm_contacts, users, outsider)

    assert connection.vendor == "postgresql"
    assert fast_outcomes == orm_outcomes
    kinds = Counter(o[0] if o else None for o in fast_outcomes)
    assert kinds["event"] > 150 and kinds[None] > 5 and kinds["error"] > 5
    assert _event_rows(fast, fast_contacts) == _event_rows(orm, orm_contacts)
    assert [c.assignee_id for c in Contact.objects.filter(workspace=fast).order_by("pk")] == [
        c.assignee_id for c in Contact.objects.filter(workspace=orm).order_by("pk")
    ]
    # the conversations' assignments each path kept are those the data migration computes
    kept_tallies = {w: _tallies(w) for w in (fast, orm)}
    assert kept_tallies[fast] and any(t[2] is not None for t in kept_tallies[fast])
    ConversationAssignments.objects.all().delete()
    with connection.cursor() as cursor:
        cursor.execute(conversation_assignments_fill_sql(workspace=False))
    assert {w: _tallies(w) for w in (fast, orm)} == kept_tallies
    # the rollups each path kept (events and conversation facts) are those a rebuild computes ...
    kept = rollup_snapshot(workspace=fast)
    kept_facts = {w: fact_snapshot(workspace=w) for w in (fast, orm)}
    assert {fact for fact, *_ in kept_facts[fast]} == {"first", "first_bin", "reassigned"}
    rollup_rebuild(workspace=fast)
    rollup_rebuild(workspace=orm)
    assert kept and rollup_snapshot(workspace=fast) == kept
    assert {w: fact_snapshot(workspace=w) for w in (fast, orm)} == kept_facts
    # ... and count what the ORM path counts
    assert _rollup_without_days(fast) == _rollup_without_days(orm)


def test_returned_event_is_the_stored_row_and_the_contact_follows(people):
    fast, _orm, users, _outsider = people
    contact = ContactFactory(workspace=fast, first_name=" Rosa ", last_name="Díaz")
    conversation, _ = conversation_open(contact=contact)

    event = contact_assign(contact=contact, assignee=users[4], source=AssignmentSource.USER, assigned_by=users[0])

    stored = AssignmentEvent.objects.get(pk=event.pk)
    for field in AssignmentEvent._meta.concrete_fields:
        assert getattr(event, field.attname) == getattr(stored, field.attname), field.name
    assert not event._state.adding
    assert event.contact_name == "Rosa  Díaz" and event.conversation_id == conversation.pk
    assert event.new_assignee_name == users[4].email  # no name: the email, as User.display_name
    assert event.assigned_by_name == "Agente 0" and event.assigned_by == users[0]
    contact_row = Contact.objects.get(pk=contact.pk)
    assert contact_row.assignee_id == users[4].pk and contact_row.updated_at == event.created_at
    assert contact.assignee == users[4]  # set on the passed instance, no query needed


def test_event_time_follows_the_chain(people):
    fast, _orm, users, _outsider = people
    contact = ContactFactory(workspace=fast)
    events = [contact_assign(contact=contact, assignee=user, source=AssignmentSource.API) for user in users]
    times = [e.created_at for e in events]
    assert times == sorted(times) and len(set(times)) == len(times)
    assert [e.previous_assignee_id for e in events] == [None] + [u.pk for u in users[:-1]]


def test_non_members_are_refused_and_nothing_is_written(people):
    fast, _orm, users, outsider = people
    contact = ContactFactory(workspace=fast)
    contact_assign(contact=contact, assignee=users[0], source=AssignmentSource.API)
    before = rollup_snapshot(workspace=fast)

    with pytest.raises(AssignmentError) as refused:
        contact_assign(contact=contact, assignee=outsider, source=AssignmentSource.API)
    assert refused.value.field == "assignee"
    with pytest.raises(AssignmentError) as refused:
        contact_assign(contact=contact, assignee=users[1], source=AssignmentSource.USER, assigned_by=outsider)
    assert refused.value.field == "assigned_by"
    # checked before "nothing changed", as the ORM path does
    with pytest.raises(AssignmentError):
        contact_assign(contact=contact, assignee=users[0], source=AssignmentSource.USER, assigned_by=outsider)

    assert AssignmentEvent.objects.filter(contact=contact).count() == 1
    assert Contact.objects.get(pk=contact.pk).assignee_id == users[0].pk
    assert rollup_snapshot(workspace=fast) == before


def test_no_change_returns_none_and_writes_nothing(people):
    fast, _orm, users, _outsider = people
    contact = ContactFactory(workspace=fast)
    assert contact_assign(contact=contact, assignee=None, source=AssignmentSource.BOT) is None
    contact_assign(contact=contact, assignee=users[2], source=AssignmentSource.API)
    updated_at = Contact.objects.get(pk=contact.pk).updated_at
    before = rollup_snapshot(workspace=fast)
    stale = Contact.objects.get(pk=contact.pk)
    stale.assignee_id = None

    assert contact_assign(contact=stale, assignee=users[2], source=AssignmentSource.WORKFLOW) is None

    assert stale.assignee_id == users[2].pk
    assert AssignmentEvent.objects.filter(contact=contact).count() == 1
    assert Contact.objects.get(pk=contact.pk).updated_at == updated_at
    assert rollup_snapshot(workspace=fast) == before


def test_open_conversation_is_recorded_and_a_closed_one_is_not(people):
    fast, _orm, users, _outsider = people
    contact = ContactFactory(workspace=fast)
    conversation, _ = conversation_open(contact=contact)
    first = contact_assign(contact=contact, assignee=users[0], source=AssignmentSource.ZAPIER)
    conversation_close(conversation=conversation, source="api")
    second = contact_assign(contact=contact, assignee=users[1], source=AssignmentSource.ZAPIER)
    assert first.conversation_id == conversation.pk and second.conversation_id is None


def test_unknown_contact_raises_like_the_orm(people):
    fast, _orm, users, _outsider = people
    with pytest.raises(Contact.DoesNotExist):
        contact_assign(contact=Contact(pk=10**12, workspace=fast), assignee=users[0], source=AssignmentSource.API)


def test_writer_holds_the_shared_rollup_lock_until_commit(people):
    fast, _orm, users, _outsider = people
    contact = ContactFactory(workspace=fast)
    with transaction.atomic():
        contact_assign(contact=contact, assignee=users[0], source=AssignmentSource.API)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT mode FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() "
                "AND classid = %s AND objid = %s AND objsubid = 2",
                [_LOCK_CLASS, fast.pk],
            )
            assert cursor.fetchall() == [("ShareLock",)]


def test_python_whitespace_is_what_str_strip_strips():
    expected = "".join(c for c in map(chr, range(0x110000)) if c.isspace())
    assert services._PYTHON_WHITESPACE == expected


def test_nested_write_rolls_back_with_the_caller(people):
    fast, _orm, users, outsider = people
    contact = ContactFactory(workspace=fast)
    with transaction.atomic():
        with pytest.raises(AssignmentError):
            contact_assign(contact=contact, assignee=outsider, source=AssignmentSource.API)
        # the caller's transaction goes on after a refused assignment
        contact_assign(contact=contact, assignee=users[0], source=AssignmentSource.API)
        transaction.set_rollback(True)
    assert not AssignmentEvent.objects.filter(contact=contact).exists()
    assert Contact.objects.get(pk=contact.pk).assignee_id is None
    assert rollup_snapshot(workspace=fast) == {}


@pytest.mark.django_db(transaction=True)
def test_statements_are_prepared_unless_a_pooler_forbids_it(people, monkeypatch):
    fast, _orm, users, _outsider = people
    contact = ContactFactory(workspace=fast)

    def prepared():
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
                           [f"%{AssignmentEvent._meta.db_table}%"])
            return cursor.fetchone()[0]

    monkeypatch.setitem(connection.settings_dict, "DISABLE_SERVER_SIDE_CURSORS", True)
    connection.close()  # a fresh session
    contact_assign(contact=contact, assignee=users[0], source=AssignmentSource.API)
    assert prepared() == 0
    monkeypatch.setitem(connection.settings_dict, "DISABLE_SERVER_SIDE_CURSORS", False)
    contact_assign(contact=contact, assignee=users[1], source=AssignmentSource.API)
    contact_assign(contact=contact, assignee=users[2], source=AssignmentSource.API)
    assert prepared() == 1
    assert [e.new_assignee_id for e in AssignmentEvent.objects.filter(contact=contact).order_by("id")] == [
        users[0].pk, users[1].pk, users[2].pk
    ]


def test_the_write_is_logged_like_any_query(people):
    fast, _orm, users, _outsider = people
    contact = ContactFactory(workspace=fast)
    with CaptureQueriesContext(connection) as captured:
        contact_assign(contact=contact, assignee=users[0], source=AssignmentSource.API)
    # the savepoint of the nested transaction, the write, the savepoint's release
    writes = [q["sql"] for q in captured if AssignmentEvent._meta.db_table in q["sql"]]
    assert len(captured) == 3 and len(writes) == 1 and "FOR UPDATE" in writes[0]
