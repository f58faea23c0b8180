"""Who gets the next contact: round robin and fewest-open-contacts over a pool of users.

Used by the workflow step "Asignar a" (mode team / workspace) and by the Dialogflow bot's
``assign`` by team. The pick only *chooses*; the caller assigns through
``assignments.services.contact_assign`` like every source.

The pool
    * with a team: the team's members who are members of the workspace;
    * without a team (workspace mode): every member of the workspace, whatever the role
      (owner, manager or agent). A membership is what makes a user assignable
      (``contact_assign`` accepts any member), and small workspaces often have the owner
      answering conversations; an admin who wants agents only builds a team of agents.
    Deactivated users (``is_active=False``) are never picked.

Fairness and concurrency
    Each pool has one ``RoundRobinCursor`` row holding the last picked user. The pick locks
    that row (``SELECT … FOR UPDATE``) before reading anything else, so concurrent pickers of the
    same pool run one after the other and each sees the previous pick. The lock is held until
    the caller's transaction ends: call ``assignee_pick`` and ``contact_assign`` inside one
    ``transaction.atomic()`` and the open-contact counts of ``fewest_open`` / ``max_open`` also
    include the assignment the previous picker just made.
"""

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Count, Q

from accounts.models import Team, User, Workspace
from contacts.models import Conversation
from presence.selectors import member_online_q

from .models import RoundRobinCursor

ROUND_ROBIN = "round_robin"
FEWEST_OPEN = "fewest_open"
STRATEGIES = (ROUND_ROBIN, FEWEST_OPEN)


def open_contacts_count_expression(workspace: Workspace) -> Count:
    """Per user: this workspace's contacts assigned to them that have an open conversation.

    One open conversation per contact is enforced by the database, so counting open
    conversations of the user's contacts counts contacts.
    """
    return Count(
        "assigned_contacts__conversations",
        filter=Q(
            assigned_contacts__workspace=workspace,
            assigned_contacts__conversations__status=Conversation.Status.OPEN,
        ),
        distinct=True,
    )


def _excluded_ids(exclude: Iterable) -> set[int]:
    ids = set()
    for item in exclude or ():
        ids.add(item.pk if isinstance(item, User) else int(item))
    return ids


def _candidates(
    *, workspace: Workspace, team: Team | None, only_online: bool, max_open: int | None, exclude: Iterable,
    user_ids: Iterable[int] | None = None,
) -> list[tuple[int, int]]:
    """``[(user_id, open_contacts), ...]`` of the eligible users, by id."""
    qs = User.objects.filter(is_active=True, memberships__workspace=workspace)
    if team is not None:
        qs = qs.filter(teams=team)
    if user_ids is not None:
        qs = qs.filter(pk__in=list(user_ids))
    if only_online:
        # Online in *this* workspace (Estado de Actividad is per membership; availability is
        # per user and says "online somewhere"): docs/presence.md "Several workspaces".
        qs = qs.filter(member_online_q(workspace), availability=User.Availability.ONLINE)
    excluded = _excluded_ids(exclude)
    if excluded:
        qs = qs.exclude(pk__in=excluded)
    qs = qs.annotate(open_contacts=open_contacts_count_expression(workspace))
    if max_open is not None:
        qs = qs.filter(open_contacts__lt=max_open)
    return list(qs.order_by("pk").values_list("pk", "open_contacts"))


def user_qualifies(
    *, workspace: Workspace, user: User, only_online: bool = False, max_open: int | None = None
) -> bool:
    """Whether one specific user may take a contact now (the step "Asignar a" a specific user)."""
    return bool(
        _candidates(
            workspace=workspace, team=None, only_online=only_online, max_open=max_open, exclude=(),
            user_ids=[user.pk],
        )
    )


def _cursor_lock(*, workspace: Workspace, team: Team | None) -> RoundRobinCursor:
    # get_or_create survives two pickers creating the same pool's cursor at once (the loser
    # hits the partial unique constraint inside a savepoint and reads the winner's row).
    cursor, _ = RoundRobinCursor.objects.get_or_create(workspace=workspace, team=team)
    return RoundRobinCursor.objects.select_for_update().get(pk=cursor.pk)


@transaction.atomic
def assignee_pick(
    *,
    workspace: Workspace,
    team: Team | None = None,
    strategy: str = ROUND_ROBIN,
    only_online: bool = False,
    max_open: int | None = None,
    exclude: Iterable = (),
) -> User | None:
    """The next user of the pool to take a contact, or ``None`` when nobody qualifies.

    ``round_robin``: the first eligible user (by id) after the pool's last pick, wrapping
    around — every eligible user gets one before anyone gets a second, and users who become
    ineligible (away, at the cap) are simply skipped without losing their place.
    ``fewest_open``: the eligible user with the fewest open contacts; ties go in round robin
    order from the cursor, so equally loaded users take turns.
    ``only_online`` keeps users online in this workspace (presence); ``max_open`` keeps users with
    fewer than that many open contacts. ``exclude`` is users (or ids) never to pick.
    """
    if strategy not in STRATEGIES:
        raise ValueError(f"unknown strategy {strategy!r}")
    if team is not None and team.workspace_id != workspace.pk:
        return None
    # Lock first, read second: the candidates and their loads are read after the previous
    # picker of this pool committed.
    cursor = _cursor_lock(workspace=workspace, team=team)
    candidates = _candidates(
        workspace=workspace, team=team, only_online=only_online, max_open=max_open, exclude=exclude
    )
    if not candidates:
        return None
    last = cursor.last_user_id or 0

    def rotation(user_id: int) -> tuple[int, int]:
        # Users after the cursor come first, then the wrap-around.
        return (0 if user_id > last else 1, user_id)

    if strategy == FEWEST_OPEN:
        picked_id = min(candidates, key=lambda row: (row[1], *rotation(row[0])))[0]
    else:
        picked_id = min((row[0] for row in candidates), key=rotation)
    cursor.last_user_id = picked_id
    cursor.save(update_fields=["last_user_id", "updated_at"])
    return User.objects.get(pk=picked_id)
