"""Login and logout change the member's status (sources ``login`` / ``logout``, docs/presence.md).

Django's own signals: accounts' login and logout views need no change, and every way of
logging in or out (the app's forms, the admin, ``Client.force_login``) is covered.
"""

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver

from accounts.middleware import SESSION_WORKSPACE_KEY
from accounts.models import Membership

from .services import member_login, member_logout


def _session_membership(request, user) -> Membership | None:
    """The membership the session works in: what ``ActiveWorkspaceMiddleware`` will pick."""
    memberships = Membership.objects.select_related("workspace").filter(user=user)
    session = getattr(request, "session", None)
    wanted = session.get(SESSION_WORKSPACE_KEY) if session is not None else None
    return (memberships.filter(workspace_id=wanted).first() if wanted else None) or memberships.order_by(
        "created_at", "id"
    ).first()


@receiver(user_logged_in, dispatch_uid="presence_login")
def _on_login(sender, request, user, **kwargs):
    membership = _session_membership(request, user)
    if membership is not None:
        member_login(workspace=membership.workspace, user=user)


@receiver(user_logged_out, dispatch_uid="presence_logout")
def _on_logout(sender, request, user, **kwargs):
    if user is None:
        return
    # Set by ActiveWorkspaceMiddleware for this request; the session is flushed after the signal.
    membership = getattr(request, "membership", None) if request is not None else None
    if membership is None or membership.user_id != user.pk:
        membership = _session_membership(request, user)
    if membership is not None:
        member_logout(workspace=membership.workspace, user=user)


def rollup_on_workspace_settings_updated(sender, *, workspace, **kwargs) -> None:
    """Rollup days are workspace-local days: a timezone change recounts them after the commit;
    until then the Usuarios report reads the events (docs/reports.md "Usuarios")."""
    from django.db import transaction

    from .rollups import rollup_timezone
    from .tasks import rollup_rebuild_task

    kept = rollup_timezone(workspace.pk)
    if kept is not None and kept != workspace.timezone:
        transaction.on_commit(lambda: rollup_rebuild_task.delay(workspace.pk))
