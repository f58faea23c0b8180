import logging

from django.apps import apps
from django.db import transaction

from .models import Membership, Team, User, Workspace, WorkspaceFileDeletion
from .signals import workspace_created, workspace_settings_updated

logger = logging.getLogger(__name__)


@transaction.atomic
def workspace_create(*, name: str, timezone: str, language: str, owner_email: str, owner_password: str,
                     owner_name: str = "") -> Workspace:
    workspace = Workspace(name=name, timezone=timezone, language=language)
    workspace.full_clean()
    workspace.save()
    workspace_created.send(sender=Workspace, workspace=workspace)
    member_add(workspace=workspace, email=owner_email, role=Membership.Role.OWNER, password=owner_password,
               name=owner_name)
    return workspace


@transaction.atomic
def workspace_settings_update(*, workspace: Workspace, name: str, timezone: str, language: str) -> Workspace:
    """Save the general settings (Configuraciones → General)."""
    workspace.name, workspace.timezone, workspace.language = name, timezone, language
    workspace.full_clean()
    workspace.save(update_fields=["name", "timezone", "language"])
    workspace_settings_updated.send(sender=Workspace, workspace=workspace)
    return workspace


@transaction.atomic
def workspace_agent_settings_update(*, workspace: Workspace, agent_visibility: str, agents_can_reassign: bool,
                                    agents_see_leaderboard: bool | None = None) -> Workspace:
    """Save what agents may see and change (Configuraciones → Agentes, owners only);
    ``agents_see_leaderboard`` None leaves that setting as it is."""
    workspace.agent_visibility, workspace.agents_can_reassign = agent_visibility, agents_can_reassign
    fields = ["agent_visibility", "agents_can_reassign"]
    if agents_see_leaderboard is not None:
        workspace.agents_see_leaderboard = agents_see_leaderboard
        fields.append("agents_see_leaderboard")
    workspace.full_clean()
    workspace.save(update_fields=fields)
    workspace_settings_updated.send(sender=Workspace, workspace=workspace)
    return workspace


@transaction.atomic
def workspace_delete(*, workspace: Workspace) -> None:
    """Delete the workspace and every row of it (the foreign keys cascade), then its stored files.

    The apps that keep files record their names in ``WorkspaceFileDeletion`` from a
    ``pre_delete`` receiver of ``Workspace`` (so the admin's delete does it too), before the
    rows that name them cascade away; ``workspace_file_deletions_record`` enqueues the task that
    removes them once this transaction commits.
    """
    workspace.delete()


def workspace_file_deletions_record(*, workspace_id: int, field: str, names=(), folders=()) -> None:
    """Record stored files (and folders, emptied recursively) of a workspace being deleted.

    ``field`` is ``"<app_label>.<Model>.<field>"`` of the FileField whose storage holds them.
    Called inside the deleting transaction: the rows and the task's enqueueing commit with it.
    """
    rows = [WorkspaceFileDeletion(workspace_id=workspace_id, field=field, name=name) for name in names if name]
    rows += [
        WorkspaceFileDeletion(workspace_id=workspace_id, field=field, name=folder, is_folder=True)
        for folder in folders if folder
    ]
    WorkspaceFileDeletion.objects.bulk_create(rows, ignore_conflicts=True)
    from .tasks import workspace_files_delete_task

    # A message per call (a deletion sends two or three): the task drains the whole table and is
    # idempotent, so duplicates cost a query. Robust: a broker that is down must not turn the
    # committed deletion into an error; the beat entry of the task drains what is left.
    transaction.on_commit(workspace_files_delete_task.delay, robust=True)


def _field_storage(field: str):
    app_label, model_name, field_name = field.split(".")
    return apps.get_model(app_label, model_name)._meta.get_field(field_name).storage


def _folder_delete(storage, folder: str) -> None:
    """Every file under ``folder``, recursively, then the folder itself where storage has folders."""
    try:
        dirs, files = storage.listdir(folder)
    except (FileNotFoundError, NotADirectoryError):
        return
    for name in files:
        _file_delete(storage, folder + name)
    for name in dirs:
        _folder_delete(storage, f"{folder}{name}/")
    # On disk the emptied directory goes too (FileSystemStorage deletes empty directories); object
    # stores have no folders, and a storage that cannot delete folders leaves nothing of value.
    try:
        storage.delete(folder.rstrip("/"))
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        pass


def _file_delete(storage, name: str) -> None:
    try:
        storage.delete(name)
    except FileNotFoundError:
        pass  # already gone: a retried run must not fail on what the previous one removed


def workspace_files_delete(*, limit: int = 500) -> int:
    """Remove up to ``limit`` recorded files of deleted workspaces from storage; the count left.

    Idempotent: a row is deleted only after its file is gone (a missing file counts as gone), so
    a crashed or retried run redoes at most the files it had not confirmed. A storage error is
    recorded on the row and raised, for the task to retry later.
    """
    for row in WorkspaceFileDeletion.objects.order_by("pk")[:limit]:
        try:
            storage = _field_storage(row.field)
            if row.is_folder:
                _folder_delete(storage, row.name)
            else:
                _file_delete(storage, row.name)
        except Exception as exc:
            WorkspaceFileDeletion.objects.filter(pk=row.pk).update(attempts=row.attempts + 1, last_error=repr(exc)[:2000])
            logger.warning("could not delete %s of deleted workspace %s: %r", row, row.workspace_id, exc)
            raise
        row.delete()
    return WorkspaceFileDeletion.objects.count()


@transaction.atomic
def member_add(*, workspace: Workspace, email: str, role: str, password: str | None = None, name: str = "",
               team: str | None = None) -> User:
    """Add (or update the role of) a member; creates the user when the email is new."""
    if role not in Membership.Role.values:
        raise ValueError(f"unknown role {role!r}")
    email = email.strip().lower()
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=password, name=name)
    else:
        if password:
            user.set_password(password)
        if name:
            user.name = name
        user.save()
    Membership.objects.update_or_create(workspace=workspace, user=user, defaults={"role": role})
    if team:
        team_obj, _ = Team.objects.get_or_create(workspace=workspace, name=team)
        team_obj.members.add(user)
    return user
