from collections import Counter

import pytest

from accounts.models import Membership, Team, User
from assignments.models import AssignmentSource
from assignments.services import contact_assign
from contacts.services import conversation_close, conversation_open
from tests.factories import ContactFactory, member
from workflows.models import RoundRobinCursor
from workflows.routing import assignee_pick


def give_open_contacts(workspace, user, n):
    for _ in range(n):
        contact = ContactFactory(workspace=workspace)
        conversation_open(contact=contact)
        contact_assign(contact=contact, assignee=user, source=AssignmentSource.API)


def test_round_robin_cycles_through_every_member_evenly(workspace, sales_team, sales_agents):
    picks = [assignee_pick(workspace=workspace, team=sales_team) for _ in range(9)]

    assert picks == sales_agents * 3
    assert RoundRobinCursor.objects.get(workspace=workspace, team=sales_team).last_user_id == sales_agents[-1].pk


def test_round_robin_pools_are_independent(workspace, sales_team, sales_agents, alice):
    # The workspace pool (every member, whatever the role) keeps its own cursor.
    assert assignee_pick(workspace=workspace, team=sales_team) == sales_agents[0]
    workspace_picks = [assignee_pick(workspace=workspace) for _ in range(4)]
    assert workspace_picks == sorted([alice, *sales_agents], key=lambda u: u.pk)
    assert assignee_pick(workspace=workspace, team=sales_team) == sales_agents[1]


def test_team_members_outside_the_workspace_are_never_picked(workspace, other_workspace, sales_team, sales_agents):
    outsider = member(other_workspace, Membership.Role.AGENT, email="out@globex.example")
    sales_team.members.add(outsider)

    picks = {assignee_pick(workspace=workspace, team=sales_team) for _ in range(8)}

    assert picks == set(sales_agents)


def test_team_of_another_workspace_picks_nobody(workspace, other_workspace, sales_agents):
    foreign = Team.objects.create(workspace=other_workspace, name="Ventas")
    foreign.members.set(sales_agents)

    assert assignee_pick(workspace=workspace, team=foreign) is None


def test_only_online_skips_away_agents_without_losing_their_turn(workspace, sales_team, sales_agents):
    first, second, third = sales_agents
    User.objects.filter(pk=second.pk).update(availability=User.Availability.AWAY)

    picks = [assignee_pick(workspace=workspace, team=sales_team, only_online=True) for _ in range(4)]
    assert picks == [first, third, first, third]

    # Away agents are still picked when the step does not ask for online users.
    assert assignee_pick(workspace=workspace, team=sales_team) == first


def test_nobody_online_picks_nobody(workspace, sales_team, sales_agents):
    User.objects.filter(pk__in=[u.pk for u in sales_agents]).update(availability=User.Availability.AWAY)

    assert assignee_pick(workspace=workspace, team=sales_team, only_online=True) is None


def test_max_open_caps_open_contacts(workspace, sales_team, sales_agents):
    first, second, third = sales_agents
    give_open_contacts(workspace, first, 2)
    give_open_contacts(workspace, second, 1)

    picks = [assignee_pick(workspace=workspace, team=sales_team, max_open=2) for _ in range(4)]

    assert first not in picks
    assert set(picks) == {second, third}


def test_closed_conversations_do_not_count_towards_the_cap(workspace, sales_team, sales_agents):
    first, *_ = sales_agents
    contact = ContactFactory(workspace=workspace)
    conversation, _ = conversation_open(contact=contact)
    contact_assign(contact=contact, assignee=first, source=AssignmentSource.API)
    # An assigned contact without an open conversation is not an open contact.
    ContactFactory(workspace=workspace, assignee=first)
    assert assignee_pick(workspace=workspace, team=sales_team, max_open=1, exclude=sales_agents[1:]) is None

    conversation_close(conversation=conversation, source="workflow")

    assert assignee_pick(workspace=workspace, team=sales_team, max_open=1, exclude=sales_agents[1:]) == first


def test_everyone_at_the_cap_picks_nobody(workspace, sales_team, sales_agents):
    for agent in sales_agents:
        give_open_contacts(workspace, agent, 1)

    assert assignee_pick(workspace=workspace, team=sales_team, max_open=1) is None


def test_fewest_open_picks_the_least_loaded(workspace, sales_team, sales_agents):
    first, second, third = sales_agents
    give_open_contacts(workspace, first, 3)
    give_open_contacts(workspace, second, 1)
    give_open_contacts(workspace, third, 2)

    assert assignee_pick(workspace=workspace, team=sales_team, strategy="fewest_open") == second


def test_fewest_open_breaks_ties_in_round_robin_order(workspace, sales_team, sales_agents):
    picks = [assignee_pick(workspace=workspace, team=sales_team, strategy="fewest_open") for _ in range(3)]

    assert picks == sales_agents


def test_fewest_open_counts_only_this_workspace(workspace, other_workspace, sales_team, sales_agents):
    first, second, third = sales_agents
    Membership.objects.create(workspace=other_workspace, user=first, role=Membership.Role.AGENT)
    give_open_contacts(other_workspace, first, 5)
    give_open_contacts(workspace, second, 1)
    give_open_contacts(workspace, third, 1)

    assert assignee_pick(workspace=workspace, team=sales_team, strategy="fewest_open") == first


def test_exclude_and_inactive_users_are_skipped(workspace, sales_team, sales_agents):
    first, second, third = sales_agents
    User.objects.filter(pk=third.pk).update(is_active=False)

    picks = {assignee_pick(workspace=workspace, team=sales_team, exclude=[first]) for _ in range(3)}

    assert picks == {second}


def test_empty_team_picks_nobody(workspace):
    team = Team.objects.create(workspace=workspace, name="Vacío")

    assert assignee_pick(workspace=workspace, team=team) is None


def test_unknown_strategy_is_refused(workspace, sales_team):
    with pytest.raises(ValueError):
        assignee_pick(workspace=workspace, team=sales_team, strategy="random")


def test_members_leaving_keep_the_rotation_fair(workspace, sales_team, sales_agents):
    first, second, third = sales_agents
    assert assignee_pick(workspace=workspace, team=sales_team) == first
    sales_team.members.remove(second)

    picks = [assignee_pick(workspace=workspace, team=sales_team) for _ in range(4)]

    assert Counter(picks) == {third: 2, first: 2}
    assert picks[0] == third
