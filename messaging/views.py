"""Pages of the Messages module (Mensajes) and the Contactos list.

Thin views: they read through ``selectors``, write through ``services`` and redirect after
every POST (post/redirect/get). Conversations an agent may not see answer 404.
"""

from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST, require_safe

from accounts.context import Actor
from accounts.decorators import workspace_member_required
from accounts.selectors import member_list, member_user_get
from assignments.rules import assignment_refusal
from assignments.services import AssignmentError, AssignmentRefused
from contacts.custom_fields import MAX_VALUE, custom_field_labels, value_text
from contacts.models import Conversation

from . import selectors, services

CONVERSATIONS_PER_PAGE = 25
CONTACTS_PER_PAGE = 25


def _landing_inbox(counts: dict[str, int]) -> str:
    """The inbox shown when none is chosen: the first with open conversations (Mis
    conversaciones, else Sin asignar, else Todas), so a first visit does not open on an empty
    list beside an empty pane. With nothing open anywhere, Mis conversaciones."""
    order = (selectors.INBOX_MINE, selectors.INBOX_UNASSIGNED, selectors.INBOX_ALL)
    return next((inbox for inbox in order if counts[inbox]), selectors.INBOX_MINE)


def _inbox_state(request, counts: dict[str, int] | None = None) -> dict[str, str]:
    """The inbox and status the user is looking at (unknown values fall back to the defaults).

    Without an inbox in the query (or with an unknown one) and given the inbox ``counts``, the
    landing inbox; the forms' redirects (no counts) keep Mis conversaciones.
    """
    inbox = request.GET.get("inbox")
    if inbox not in selectors.INBOXES:
        inbox = _landing_inbox(counts) if counts is not None else selectors.INBOX_MINE
    status = request.GET.get("status", Conversation.Status.OPEN)
    if status not in Conversation.Status.values:
        status = Conversation.Status.OPEN
    return {"inbox": inbox, "status": status}


def _state_query(state: dict[str, str]) -> str:
    return urlencode(state)


def _conversation_url(conversation_id: int, state: dict[str, str]) -> str:
    return reverse("messaging:conversation", args=[conversation_id]) + "?" + _state_query(state)


def _inbox_url(state: dict[str, str]) -> str:
    return reverse("messaging:inbox") + "?" + _state_query(state)


def _visible_conversation_or_404(request, conversation_id) -> Conversation:
    conversation = selectors.conversation_get(
        workspace=request.workspace,
        user=request.user,
        is_admin=request.membership.is_admin,
        conversation_id=conversation_id,
    )
    if conversation is None:
        raise Http404("no such conversation")
    return conversation


def conversation_action(view):
    """A POST on a conversation the member may see: resolves it (else 404) and the inbox state.

    The view gets ``(request, conversation, state)`` and redirects back (post/redirect/get).
    """

    @require_POST
    @workspace_member_required
    @wraps(view)
    def wrapper(request, conversation_id):
        conversation = _visible_conversation_or_404(request, conversation_id)
        return view(request, conversation, _inbox_state(request))

    return wrapper


def _inbox_context(request) -> dict:
    """The inbox sidebar: the tabs with their counts and the page of conversations listed."""
    is_admin = request.membership.is_admin
    counts = selectors.inbox_counts(workspace=request.workspace, user=request.user, is_admin=is_admin)
    state = _inbox_state(request, counts)
    rows = selectors.inbox_conversations(
        workspace=request.workspace, user=request.user, is_admin=is_admin, inbox=state["inbox"], status=state["status"]
    )
    page = Paginator(rows, CONVERSATIONS_PER_PAGE).get_page(request.GET.get("page"))
    tabs = [
        # Contexts keep the seed's labels ("Todas": conversations) apart from other apps' "All".
        (selectors.INBOX_MINE, pgettext("inbox", "My conversations")),
        (selectors.INBOX_UNASSIGNED, pgettext("inbox", "Unassigned")),
        (selectors.INBOX_ALL, pgettext("inbox", "All")),
    ]
    return {
        "state": state,
        "state_query": _state_query(state),
        "inbox_tabs": [
            {"key": key, "label": label, "count": counts[key], "query": _state_query({"inbox": key, "status": state["status"]})}
            for key, label in tabs
        ],
        "status_tabs": [
            {"key": key, "label": label, "query": _state_query({"inbox": state["inbox"], "status": key})}
            for key, label in (
                (Conversation.Status.OPEN, pgettext("conversations filter", "Open")),
                (Conversation.Status.CLOSED, pgettext("conversations filter", "Closed")),
            )
        ],
        "page_obj": page,
        "conversations": page.object_list,
    }


@require_safe
@workspace_member_required
def inbox(request):
    """/messages/: the inboxes "Mis conversaciones", "Sin asignar" and "Todas"."""
    return render(request, "messaging/inbox.html", _inbox_context(request))


@require_safe
@workspace_member_required
def conversation_detail(request, conversation_id):
    """/messages/<id>/: the messages, the reply box and the conversation's actions."""
    conversation = _visible_conversation_or_404(request, conversation_id)
    message_rows = list(selectors.message_list(conversation=conversation))
    context = _inbox_context(request)
    # The assignee dropdown offers only what the role rule allows (an agent without "may
    # reassign": themselves on an unassigned contact, "Desasignar" on their own).
    actor = Actor.for_membership(request.membership)
    current = conversation.contact.assignee_id

    def allowed(user):
        return assignment_refusal(actor=actor, current_assignee_id=current, assignee=user) is None

    members = [m for m in member_list(workspace=request.workspace) if allowed(m.user)]
    context.update(
        {
            "conversation": conversation,
            "contact": conversation.contact,
            "conversation_messages": message_rows,
            "members": members,
            "can_unassign": current is not None and allowed(None),
            "can_assign": any(m.user_id != current for m in members) or (current is not None and allowed(None)),
            "bot_configured": selectors.bot_configured(workspace=request.workspace),
            "poll": {
                "messagesUrl": reverse("api-conversation-messages", args=[conversation.pk]),
                "lastMessageId": message_rows[-1].pk if message_rows else 0,
                "pollSeconds": getattr(settings, "MESSAGES_POLL_SECONDS", 5),
            },
        }
    )
    return render(request, "messaging/conversation.html", context)


@conversation_action
def conversation_reply(request, conversation, state):
    try:
        message = services.conversation_reply(
            conversation=conversation, author=request.user, text=request.POST.get("text", "")
        )
    except services.MessagingError as error:
        messages.error(request, error.message)
        return redirect(_conversation_url(conversation.pk, state))
    # Replying to a closed conversation opens a new one: show that one.
    return redirect(_conversation_url(message.conversation_id, state))


@conversation_action
def conversation_assign(request, conversation, state):
    """The assignee dropdown: any member, or "Desasignar" (value ``none``)."""
    raw = request.POST.get("assignee", "")
    if raw == "none":
        assignee = None
    else:
        assignee = member_user_get(workspace=request.workspace, ref=raw) if selectors.parse_id(raw) else None
        if assignee is None:
            messages.error(request, _("Choose a member of the workspace, or Unassign."))
            return redirect(_conversation_url(conversation.pk, state))
    try:
        event = services.conversation_assign(
            conversation=conversation, assignee=assignee, actor=Actor.for_membership(request.membership)
        )
    except AssignmentRefused as refused:
        # The page offers no such choice: only a crafted or stale form gets here.
        return render(request, "403.html", {"reason": refused.message}, status=403)
    except AssignmentError:
        messages.error(request, _("Choose a member of the workspace, or Unassign."))
        return redirect(_conversation_url(conversation.pk, state))
    if event is None:
        messages.info(request, _("The assignee did not change."))
    elif assignee is None:
        messages.success(request, _("Conversation unassigned."))
    else:
        messages.success(request, _("Conversation assigned to %(name)s.") % {"name": assignee.display_name})
    # An agent who hands the conversation to another agent may no longer see it.
    if selectors.conversation_get(
        workspace=request.workspace, user=request.user, is_admin=request.membership.is_admin,
        conversation_id=conversation.pk,
    ) is None:
        return redirect(_inbox_url(state))
    return redirect(_conversation_url(conversation.pk, state))


@conversation_action
def conversation_close(request, conversation, state):
    """"Cerrar conversación" with an optional closing note."""
    if conversation.status == Conversation.Status.CLOSED:
        messages.info(request, _("The conversation was already closed."))
        return redirect(_conversation_url(conversation.pk, state))
    try:
        services.conversation_close_by_user(
            conversation=conversation, closed_by=request.user, note=request.POST.get("note", "")
        )
    except services.MessagingError as error:
        messages.error(request, error.message)
        return redirect(_conversation_url(conversation.pk, state))
    messages.success(request, _("Conversation closed."))
    return redirect(_conversation_url(conversation.pk, state))


@conversation_action
def conversation_bot(request, conversation, state):
    """"Pausar el Chatbot" / resume it, for workspaces with a Dialogflow bot."""
    if not selectors.bot_configured(workspace=request.workspace):
        messages.error(request, _("This workspace has no chatbot."))
        return redirect(_conversation_url(conversation.pk, state))
    paused = request.POST.get("paused") == "1"
    services.conversation_bot_pause_set(conversation=conversation, paused=paused)
    messages.success(request, _("Chatbot paused.") if paused else _("Chatbot resumed."))
    return redirect(_conversation_url(conversation.pk, state))


@require_safe
@workspace_member_required
def contact_list(request):
    """/contacts/: Contactos, searchable and paginated: the contacts the member sees."""
    search = request.GET.get("q", "")[:200]
    assignee_param = request.GET.get("assignee", "")
    assignee = None
    if assignee_param == "none":
        assignee = "none"
    elif assignee_param == "me":
        assignee = request.user
    elif selectors.parse_id(assignee_param):
        assignee = member_user_get(workspace=request.workspace, ref=assignee_param)
        if assignee is None:
            assignee_param = ""
    else:
        assignee_param = ""
    # A custom field equals a value: a field of the workspace and a value, else no filter.
    fields = custom_field_labels(workspace=request.workspace)
    field_key = request.GET.get("field", "")
    field_value = value_text(request.GET.get("value", ""))[:MAX_VALUE]
    if field_key not in fields or not field_value:
        field_key = field_value = ""
    is_admin = request.membership.is_admin
    rows = selectors.contact_list(
        workspace=request.workspace, user=request.user, is_admin=is_admin, search=search, assignee=assignee,
        custom_field=(field_key, field_value) if field_key else None,
    )
    page = Paginator(rows, CONTACTS_PER_PAGE).get_page(request.GET.get("page"))
    contacts = list(page.object_list)
    open_ids = selectors.contact_open_conversation_ids(workspace=request.workspace, contact_ids=[c.pk for c in contacts])
    for contact in contacts:
        # A listed contact is visible, and so are its conversations (one rule for both).
        contact.open_conversation_id = open_ids.get(contact.pk)
    filters = {key: value for key, value in (("q", search), ("assignee", assignee_param), ("field", field_key),
                                             ("value", field_value)) if value}
    return render(
        request,
        "messaging/contacts.html",
        {
            "contacts": contacts,
            "page_obj": page,
            "search": search,
            "assignee_param": assignee_param,
            "custom_fields": fields,
            "field_key": field_key,
            "field_value": field_value,
            # An agent who sees only their own and unassigned contacts gets no other members' filter.
            "members": member_list(workspace=request.workspace)
            if is_admin or selectors.agents_see_all_contacts(workspace=request.workspace) else [],
            "filter_query": urlencode(filters),
        },
    )
