"""Reads of the Messages module (Mensajes) and the Contactos list.

Every selector takes the workspace first and filters by it. A member sees the conversations
of the contacts they see (``contacts.selectors.contact_visibility``, the workspace's "Los
agentes pueden ver"): by default an agent sees their own contacts' and unassigned contacts'
conversations, never other agents' (the inboxes, the conversation page and the conversations
API share ``conversation_visible``).
"""

from django.apps import apps
from django.db.models import OuterRef, QuerySet, Subquery

from accounts.models import User, Workspace
from contacts.custom_fields import contacts_with_value
from contacts.models import Contact, Conversation, Message
from contacts.selectors import contact_search, contact_visibility

# The largest primary key a database integer column holds; bigger "ids" are not ids (and
# would overflow the database driver instead of simply matching nothing).
MAX_ID = 2**63 - 1

INBOX_MINE = "mine"
INBOX_UNASSIGNED = "unassigned"
INBOX_ALL = "all"
INBOXES = (INBOX_MINE, INBOX_UNASSIGNED, INBOX_ALL)


def parse_id(raw) -> int | None:
    """A database id from request input, or None when it is not one (non-numeric, huge, ≤ 0)."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw if 0 < raw <= MAX_ID else None
    text = str(raw or "").strip()
    if not text.isascii() or not text.isdigit() or len(text) > 19:
        return None
    value = int(text)
    return value if 0 < value <= MAX_ID else None


def conversation_visible(*, workspace: Workspace, user: User | None, is_admin: bool) -> QuerySet[Conversation]:
    """The conversations this member may see and act on: those of the contacts they see.

    Admins (and API tokens, ``user=None`` with ``is_admin=True``) see every conversation of the
    workspace; agents those of the contacts ``contact_visibility`` lets them see.
    """
    return Conversation.objects.filter(workspace=workspace).filter(
        contact_visibility(workspace=workspace, user=user, is_admin=is_admin, path="contact__")
    )


def _with_last_message(qs: QuerySet[Conversation]) -> QuerySet[Conversation]:
    last = Message.objects.filter(conversation=OuterRef("pk")).order_by("-created_at", "-pk")
    return qs.select_related("contact", "contact__assignee").annotate(
        last_message_text=Subquery(last.values("text")[:1]),
        last_message_direction=Subquery(last.values("direction")[:1]),
    )


def conversation_list(
    *,
    workspace: Workspace,
    user: User | None,
    is_admin: bool,
    status: str = Conversation.Status.OPEN,
    assignee: str | User | None = None,
) -> QuerySet[Conversation]:
    """Conversations in ``status``, newest activity first.

    ``assignee`` narrows them: ``"none"`` (unassigned contact), a ``User`` (contacts assigned to
    that member) or ``None`` (everything visible). Served by ``conv_ws_status_idx``.
    """
    qs = conversation_visible(workspace=workspace, user=user, is_admin=is_admin).filter(status=status)
    if assignee == "none":
        qs = qs.filter(contact__assignee__isnull=True)
    elif isinstance(assignee, User):
        qs = qs.filter(contact__assignee=assignee)
    order = "-last_message_at" if status == Conversation.Status.OPEN else "-closed_at"
    return _with_last_message(qs).order_by(order, "-pk")


def inbox_conversations(
    *, workspace: Workspace, user: User, is_admin: bool, inbox: str, status: str = Conversation.Status.OPEN
) -> QuerySet[Conversation]:
    """The inboxes: "Mis conversaciones", "Sin asignar" and "Todas" (agents: theirs and unassigned)."""
    if inbox == INBOX_MINE:
        assignee = user
    elif inbox == INBOX_UNASSIGNED:
        assignee = "none"
    else:
        assignee = None
    return conversation_list(workspace=workspace, user=user, is_admin=is_admin, status=status, assignee=assignee)


def inbox_counts(*, workspace: Workspace, user: User, is_admin: bool) -> dict[str, int]:
    """Open conversations per inbox, for the badges next to the inbox names."""
    visible = conversation_visible(workspace=workspace, user=user, is_admin=is_admin).filter(
        status=Conversation.Status.OPEN
    )
    return {
        INBOX_MINE: visible.filter(contact__assignee=user).count(),
        INBOX_UNASSIGNED: visible.filter(contact__assignee__isnull=True).count(),
        INBOX_ALL: visible.count(),
    }


def conversation_get(*, workspace: Workspace, user: User | None, is_admin: bool, conversation_id) -> Conversation | None:
    """One visible conversation by id, or None (other workspaces' and other agents' ones too)."""
    pk = parse_id(conversation_id)
    if pk is None:
        return None
    visible = conversation_visible(workspace=workspace, user=user, is_admin=is_admin)
    return _with_last_message(visible).select_related("closed_by").filter(pk=pk).first()


def message_list(*, conversation: Conversation, after_id: int | None = None) -> QuerySet[Message]:
    """The conversation's messages, oldest first; ``after_id`` keeps only newer ones (polling)."""
    qs = Message.objects.filter(workspace_id=conversation.workspace_id, conversation=conversation)
    if after_id is not None:
        qs = qs.filter(pk__gt=after_id)
    return qs.select_related("author").order_by("created_at", "pk")


def bot_configured(*, workspace: Workspace) -> bool:
    """Whether the workspace has a Dialogflow bot, which the "Pausar el Chatbot" toggle controls.

    Looked up by name so the Messages module works whether or not the integration is installed.
    """
    try:
        model = apps.get_model("integrations", "DialogflowIntegration")
    except LookupError:
        return False
    qs = model.objects.filter(workspace=workspace)
    field_names = {f.name for f in model._meta.get_fields()}
    for flag in ("is_active", "enabled", "active"):
        if flag in field_names:
            qs = qs.filter(**{flag: True})
            break
    if "revoked_at" in field_names:
        qs = qs.filter(revoked_at__isnull=True)
    return qs.exists()


def contact_list(
    *, workspace: Workspace, user: User | None, is_admin: bool, search: str = "", assignee: str | User | None = None,
    custom_field: tuple[str, str] | None = None,
) -> QuerySet[Contact]:
    """The Contactos list: the Developer API's contact search (name, email, phone or exact id) of
    the contacts the member sees, narrowed by ``assignee``: ``"none"`` (unassigned), a member, or
    None (all they see); and by ``custom_field`` ``(key, value)``: the value equals it, as a
    segment's ``custom_field`` filter compares (``contacts.custom_fields.contacts_with_value``).
    """
    # PostgreSQL text cannot hold NUL characters; they can only come from a mangled query string.
    qs = contact_search(
        workspace=workspace, user=user, is_admin=is_admin, text=(search or "").replace("\x00", "")
    )
    if assignee == "none":
        qs = qs.filter(assignee__isnull=True)
    elif isinstance(assignee, User):
        qs = qs.filter(assignee=assignee)
    if custom_field is not None:
        qs = contacts_with_value(qs, key=custom_field[0], value=custom_field[1])
    return qs


def contact_open_conversation_ids(*, workspace: Workspace, contact_ids: list[int]) -> dict[int, int]:
    """``{contact id: open conversation id}`` for the contacts on a page of the Contactos list."""
    rows = Conversation.objects.filter(
        workspace=workspace, contact_id__in=contact_ids, status=Conversation.Status.OPEN
    ).values_list("contact_id", "pk")
    return dict(rows)


def agents_see_all_contacts(*, workspace: Workspace) -> bool:
    """Whether the workspace lets agents see every contact (pages offer other members' filters)."""
    return workspace.agent_visibility == Workspace.AgentVisibility.ALL
