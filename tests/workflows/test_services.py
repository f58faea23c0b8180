import pytest
from django.utils import translation

from accounts.models import Membership, Team, User
from assignments.models import AssignmentEvent, AssignmentSource
from assignments.services import contact_assign
from contacts.models import Contact, Conversation, Message
from contacts.services import conversation_open
from tests.factories import ContactFactory, member
from workflows.models import Workflow, WorkflowRun
from workflows.services import (
    contact_tag_add,
    workflow_create,
    workflow_create_from_template,
    workflow_run,
    workflow_trigger_conversation_opened,
)
from workflows.steps import StepsInvalid


@pytest.fixture
def contact(workspace):
    return ContactFactory(workspace=workspace, first_name="José", last_name="Pérez", tags=["vip"])


@pytest.fixture
def conversation(contact):
    conversation, _ = conversation_open(contact=contact)
    return conversation


def make(workspace, *steps, enabled=True, name="Flujo"):
    return workflow_create(workspace=workspace, name=name, steps=list(steps), enabled=enabled)


def test_assign_to_team_records_a_workflow_event(workspace, sales_team, sales_agents, contact, conversation):
    make(workspace, {"type": "assign_to", "mode": "team", "team": sales_team.pk})

    workflow_trigger_conversation_opened(conversation=conversation)

    event = AssignmentEvent.objects.get()
    assert event.source == AssignmentSource.WORKFLOW
    assert event.new_assignee_id == sales_agents[0].pk and event.previous_assignee_id is None
    assert event.conversation_id == conversation.pk and event.assigned_by_id is None
    contact.refresh_from_db()
    assert contact.assignee_id == sales_agents[0].pk


def test_assign_to_a_specific_user(workspace, bob, contact, conversation):
    make(workspace, {"type": "assign_to", "mode": "user", "user": bob.pk})

    workflow_trigger_conversation_opened(conversation=conversation)

    assert AssignmentEvent.objects.get().new_assignee_id == bob.pk


def test_assign_to_a_user_who_is_away_leaves_the_conversation_in_the_queue(workspace, bob, contact, conversation):
    User.objects.filter(pk=bob.pk).update(availability=User.Availability.AWAY)
    make(workspace, {"type": "assign_to", "mode": "user", "user": bob.pk, "only_online": True})

    workflow_trigger_conversation_opened(conversation=conversation)

    assert not AssignmentEvent.objects.exists()
    contact.refresh_from_db()
    assert contact.assignee_id is None
    assert WorkflowRun.objects.get().steps_log == [{"type": "assign_to", "outcome": "no_one_qualifies"}]


def test_nobody_qualifies_records_nothing(workspace, sales_team, sales_agents, contact, conversation):
    User.objects.filter(pk__in=[u.pk for u in sales_agents]).update(availability=User.Availability.AWAY)
    make(workspace, {"type": "assign_to", "mode": "team", "team": sales_team.pk, "only_online": True})

    workflow_trigger_conversation_opened(conversation=conversation)

    assert not AssignmentEvent.objects.exists()
    contact.refresh_from_db()
    assert contact.assignee_id is None
    assert WorkflowRun.objects.get().status == WorkflowRun.Status.SUCCEEDED


def test_a_user_removed_from_the_workspace_is_not_assigned(workspace, bob, contact, conversation):
    make(workspace, {"type": "assign_to", "mode": "user", "user": bob.pk})
    Membership.objects.filter(user=bob).delete()

    workflow_trigger_conversation_opened(conversation=conversation)

    assert not AssignmentEvent.objects.exists()


def test_a_deleted_team_assigns_nobody(workspace, sales_team, contact, conversation):
    make(workspace, {"type": "assign_to", "mode": "team", "team": sales_team.pk})
    sales_team.delete()

    workflow_trigger_conversation_opened(conversation=conversation)

    assert not AssignmentEvent.objects.exists()


def test_assign_to_workspace_with_fewest_open(workspace, alice, bob, contact, conversation):
    busy = ContactFactory(workspace=workspace)
    conversation_open(contact=busy)
    contact_assign(contact=busy, assignee=alice, source=AssignmentSource.API)
    make(workspace, {"type": "assign_to", "mode": "workspace", "strategy": "fewest_open"})

    workflow_trigger_conversation_opened(conversation=conversation)

    assert AssignmentEvent.objects.filter(contact=contact).get().new_assignee_id == bob.pk


def test_returning_contact_with_an_assignee_keeps_it(workspace, sales_team, bob, contact, conversation):
    # Seed FAQ: the new conversation lands in the assignee's inbox; no assignment activity.
    contact_assign(contact=contact, assignee=bob, source=AssignmentSource.API)
    make(workspace, {"type": "assign_to", "mode": "team", "team": sales_team.pk})

    workflow_trigger_conversation_opened(conversation=conversation)

    assert AssignmentEvent.objects.filter(source=AssignmentSource.WORKFLOW).count() == 0
    contact.refresh_from_db()
    assert contact.assignee_id == bob.pk


def test_reassign_moves_an_assigned_contact(workspace, sales_team, sales_agents, bob, contact, conversation):
    contact_assign(contact=contact, assignee=bob, source=AssignmentSource.API)
    make(workspace, {"type": "assign_to", "mode": "team", "team": sales_team.pk, "reassign": True})

    workflow_trigger_conversation_opened(conversation=conversation)

    event = AssignmentEvent.objects.get(source=AssignmentSource.WORKFLOW)
    assert event.previous_assignee_id == bob.pk and event.new_assignee_id == sales_agents[0].pk


def test_unassign_records_an_event_with_source_workflow(workspace, bob, contact, conversation):
    contact_assign(contact=contact, assignee=bob, source=AssignmentSource.API)
    make(workspace, {"type": "unassign"})

    workflow_trigger_conversation_opened(conversation=conversation)

    event = AssignmentEvent.objects.get(source=AssignmentSource.WORKFLOW)
    assert event.previous_assignee_id == bob.pk and event.new_assignee_id is None
    contact.refresh_from_db()
    assert contact.assignee_id is None


def test_unassign_of_an_unassigned_contact_records_nothing(workspace, contact, conversation):
    make(workspace, {"type": "unassign"})

    workflow_trigger_conversation_opened(conversation=conversation)

    assert not AssignmentEvent.objects.exists()
    assert WorkflowRun.objects.get().steps_log == [{"type": "unassign", "outcome": "unchanged"}]


def test_close_conversation_with_a_note(workspace, contact, conversation):
    make(workspace, {"type": "close_conversation", "note": "Fuera de horario"})

    workflow_trigger_conversation_opened(conversation=conversation)

    conversation.refresh_from_db()
    assert conversation.status == Conversation.Status.CLOSED
    assert conversation.closing_note == "Fuera de horario" and conversation.closed_by_id is None


def test_add_tag_without_duplicates(workspace, contact, conversation):
    make(workspace, {"type": "add_tag", "tag": "ventas"}, {"type": "add_tag", "tag": "VIP"})

    workflow_trigger_conversation_opened(conversation=conversation)

    contact.refresh_from_db()
    assert contact.tags == ["vip", "ventas"]


def test_contact_tag_add_leaves_the_assignee_alone(workspace, bob, contact):
    stale = Contact.objects.get(pk=contact.pk)
    contact_assign(contact=contact, assignee=bob, source=AssignmentSource.API)

    assert contact_tag_add(contact=stale, tag="nuevo") is True
    assert contact_tag_add(contact=stale, tag="Nuevo") is False

    contact.refresh_from_db()
    assert contact.assignee_id == bob.pk and contact.tags == ["vip", "nuevo"]


def test_send_message_has_no_author_and_assigns_nobody(workspace, contact, conversation):
    make(workspace, {"type": "send_message", "text": "¡Hola! Te atendemos en breve."})

    workflow_trigger_conversation_opened(conversation=conversation)

    message = Message.objects.get()
    assert message.direction == Message.Direction.OUT and message.author_id is None
    assert message.conversation_id == conversation.pk and message.text == "¡Hola! Te atendemos en breve."
    assert not AssignmentEvent.objects.exists()


def test_steps_run_in_order(workspace, bob, contact, conversation):
    make(
        workspace,
        {"type": "assign_to", "mode": "user", "user": bob.pk},
        {"type": "send_message", "text": "Hola"},
        {"type": "unassign"},
        {"type": "close_conversation"},
    )

    workflow_trigger_conversation_opened(conversation=conversation)

    events = list(AssignmentEvent.objects.order_by("id").values_list("previous_assignee_id", "new_assignee_id"))
    assert events == [(None, bob.pk), (bob.pk, None)]
    run = WorkflowRun.objects.get()
    assert [s["outcome"] for s in run.steps_log] == ["assigned", "sent", "unassigned", "closed"]
    conversation.refresh_from_db()
    assert conversation.status == Conversation.Status.CLOSED


def test_trigger_runs_only_enabled_workflows_of_the_conversation_workspace(
    workspace, other_workspace, contact, conversation
):
    make(workspace, {"type": "add_tag", "tag": "uno"}, name="first")
    make(workspace, {"type": "add_tag", "tag": "apagado"}, enabled=False)
    make(workspace, {"type": "add_tag", "tag": "dos"}, name="second")
    make(other_workspace, {"type": "add_tag", "tag": "ajeno"})

    workflow_trigger_conversation_opened(conversation=conversation)

    contact.refresh_from_db()
    assert contact.tags == ["vip", "uno", "dos"]
    assert list(WorkflowRun.objects.order_by("id").values_list("workflow__name", flat=True)) == ["first", "second"]


def test_trigger_twice_runs_each_workflow_once(workspace, contact, conversation):
    make(workspace, {"type": "send_message", "text": "Hola"})

    workflow_trigger_conversation_opened(conversation=conversation)
    workflow_trigger_conversation_opened(conversation=conversation)

    assert Message.objects.count() == 1


def test_a_failing_workflow_rolls_back_and_the_next_still_runs(workspace, bob, contact, conversation):
    broken = make(workspace, {"type": "add_tag", "tag": "antes"}, {"type": "unassign"})
    # A step of a type this version does not know (saved by hand in the database).
    Workflow.objects.filter(pk=broken.pk).update(steps=[{"type": "add_tag", "tag": "antes"}, {"type": "teleport"}])
    make(workspace, {"type": "add_tag", "tag": "después"})

    workflow_trigger_conversation_opened(conversation=conversation)

    contact.refresh_from_db()
    assert contact.tags == ["vip", "después"]
    failed = WorkflowRun.objects.get(workflow=broken)
    assert failed.status == WorkflowRun.Status.FAILED and "teleport" in failed.error
    assert failed.steps_log == [{"type": "add_tag", "outcome": "rolled_back:tagged"},
                                {"type": "teleport", "outcome": "failed"}]
    # A failed run may run again.
    Workflow.objects.filter(pk=broken.pk).update(steps=[{"type": "add_tag", "tag": "antes"}])
    broken.refresh_from_db()
    assert workflow_run(workflow=broken, conversation=conversation).status == WorkflowRun.Status.SUCCEEDED


def test_templates_create_disabled_drafts(workspace, sales_team, alice):
    sales = workflow_create_from_template(workspace=workspace, key="sales_auto_assign", created_by=alice)
    after_hours = workflow_create_from_template(workspace=workspace, key="after_hours_message")
    closing = workflow_create_from_template(workspace=workspace, key="close_conversation")

    assert not (sales.enabled or after_hours.enabled or closing.enabled)
    assert sales.steps == [{
        "type": "assign_to", "mode": "team", "team": sales_team.pk, "strategy": "round_robin",
        "only_online": True, "reassign": False, "max_open": None,
    }]
    assert after_hours.steps[0]["type"] == "send_message"
    assert closing.steps[0]["type"] == "close_conversation"


def test_sales_template_without_a_sales_team_uses_the_workspace(workspace):
    workflow = workflow_create_from_template(workspace=workspace, key="sales_auto_assign")

    assert workflow.steps[0]["mode"] == "workspace"


@pytest.mark.parametrize(
    ("steps", "errors"),
    [
        ([], {"steps": ["add at least one step"]}),
        ("x", {"steps": ["must be a list of steps"]}),
        ([{"type": "fly"}], {"steps.0.type": ["must be one of: assign_to, unassign, close_conversation, add_tag, send_message"]}),
        ([{"type": "unassign", "extra": 1}], {"steps.0.extra": ["unknown field for this step"]}),
        ([{"type": "add_tag"}], {"steps.0.tag": ["this field is required"]}),
        ([{"type": "send_message", "text": 5}], {"steps.0.text": ["must be text"]}),
        ([{"type": "assign_to", "mode": "team"}], {"steps.0.team": ["this field is required"]}),
        ([{"type": "assign_to", "mode": "workspace", "max_open": 0}],
         {"steps.0.max_open": ["must be a whole number from 1 to 10000"]}),
        ([{"type": "assign_to", "mode": "workspace", "only_online": "yes"}],
         {"steps.0.only_online": ["must be true or false"]}),
        ([{"type": "assign_to", "mode": "workspace", "strategy": "random"}],
         {"steps.0.strategy": ["must be one of: round_robin, fewest_open"]}),
        ([{"type": "unassign"}, 3], {"steps.1": ["must be an object"]}),
    ],
)
def test_invalid_steps_are_refused_with_field_errors(workspace, steps, errors):
    with translation.override("en"), pytest.raises(StepsInvalid) as caught:
        make(workspace, *steps) if isinstance(steps, list) else workflow_create(
            workspace=workspace, name="x", steps=steps
        )
    assert caught.value.errors == errors


def test_users_and_teams_of_another_workspace_are_refused(workspace, other_workspace, charlie):
    foreign = Team.objects.create(workspace=other_workspace, name="Ventas")

    with translation.override("en"), pytest.raises(StepsInvalid) as caught:
        make(
            workspace,
            {"type": "assign_to", "mode": "user", "user": charlie.pk},
            {"type": "assign_to", "mode": "team", "team": foreign.pk},
            {"type": "assign_to", "mode": "user", "user": "abc"},
        )

    assert set(caught.value.errors) == {"steps.0.user", "steps.1.team", "steps.2.user"}
    assert caught.value.errors["steps.0.user"] == ["not a member"]
    assert not Workflow.objects.exists()


def test_ids_given_as_text_are_stored_as_numbers(workspace):
    agent = member(workspace, Membership.Role.AGENT)
    workflow = make(workspace, {"type": "assign_to", "mode": "user", "user": str(agent.pk)})

    assert workflow.steps[0]["user"] == agent.pk


def test_the_task_runs_the_trigger(workspace, contact, conversation):
    from workflows.tasks import workflows_conversation_opened_run

    make(workspace, {"type": "add_tag", "tag": "cola"})

    workflows_conversation_opened_run.delay(conversation.pk)
    workflows_conversation_opened_run.delay(10**9)  # a conversation deleted meanwhile

    contact.refresh_from_db()
    assert contact.tags == ["vip", "cola"]


def test_any_json_is_either_valid_steps_or_field_errors(workspace):
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from workflows.steps import steps_clean

    scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=5)
    keys = st.sampled_from(["type", "mode", "user", "team", "strategy", "only_online", "max_open", "reassign",
                            "note", "tag", "text", "x"])
    values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3), max_leaves=5)
    step_values = st.sampled_from(["assign_to", "unassign", "close_conversation", "add_tag", "send_message",
                                   "team", "user", "workspace", "round_robin", "fewest_open"]) | values
    steps = st.lists(st.dictionaries(keys, step_values, max_size=6) | values, max_size=4) | values

    @settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
    @given(steps)
    def check(data):
        try:
            cleaned = steps_clean(workspace=workspace, steps=data)
        except StepsInvalid as exc:
            assert exc.errors and all(isinstance(v, list) and v for v in exc.errors.values())
        else:
            assert isinstance(cleaned, list) and cleaned

    check()
