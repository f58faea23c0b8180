import factory
from django.utils import timezone

from accounts.models import ApiToken, Membership, Team, User, Workspace
from contacts.models import Contact, Conversation, Message


class WorkspaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Workspace

    name = factory.Sequence(lambda n: f"Workspace {n}")
    timezone = "America/Mexico_City"
    language = "es"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)


    email = factory.Sequence(lambda n: f"user{n}@example.com")
    name = factory.Sequence(lambda n: f"User {n}")
    password = factory.django.Password("pw-123456")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    workspace = factory.SubFactory(WorkspaceFactory)
    user = factory.SubFactory(UserFactory)
    role = Membership.Role.AGENT


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    workspace = factory.SubFactory(WorkspaceFactory)
    name = factory.Sequence(lambda n: f"Team {n}")


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    workspace = factory.SubFactory(WorkspaceFactory)
    first_name = factory.Faker("first_name", locale="es_MX")
    last_name = factory.Faker("last_name", locale="es_MX")
    email = factory.Sequence(lambda n: f"contact{n}@example.com")
    phone = factory.Sequence(lambda n: f"+52155{n:07d}")


class ConversationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Conversation

    contact = factory.SubFactory(ContactFactory)
    workspace = factory.SelfAttribute("contact.workspace")
    opened_at = factory.LazyFunction(timezone.now)


class MessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Message

    conversation = factory.SubFactory(ConversationFactory)
    workspace = factory.SelfAttribute("conversation.workspace")
    direction = Message.Direction.IN
    # Incoming messages are the contact's; an outgoing one defaults to the Developer API (pass
    # sender_kind="user" with an author for a person's message).
    sender_kind = factory.LazyAttribute(lambda m: "contact" if m.direction == Message.Direction.IN else "api")
    text = "Hola"


def member(workspace, role=Membership.Role.AGENT, **user_kwargs) -> User:
    user = UserFactory(**user_kwargs)
    MembershipFactory(workspace=workspace, user=user, role=role)
    return user


def agent_settings(workspace, *, see_all: bool | None = None, reassign: bool | None = None) -> Workspace:
    """Set Configuraciones → Agentes: "Los agentes pueden ver" (``see_all``: todos los contactos,
    else solo sus contactos asignados y los sin asignar) and "pueden reasignar a otros agentes"."""
    changes = {}
    if see_all is not None:
        changes["agent_visibility"] = (
            Workspace.AgentVisibility.ALL if see_all else Workspace.AgentVisibility.ASSIGNED_AND_UNASSIGNED
        )
    if reassign is not None:
        changes["agents_can_reassign"] = reassign
    Workspace.objects.filter(pk=workspace.pk).update(**changes)
    for name, value in changes.items():
        setattr(workspace, name, value)
    return workspace


def api_token(workspace) -> str:
    _, key = ApiToken.issue(workspace=workspace)
    return key


def build_event(workspace, at, *, source="api", new=None, previous=None, by=None, contact=None,
                conversation=None):
    """An unsaved AssignmentEvent (for bulk_create in tests); ``new``/``previous``/``by`` are users or None.

    Tests may place events at exact instants this way; production code writes them only
    through ``contact_assign``.
    """
    from assignments.models import AssignmentEvent

    if contact is None:
        contact = ContactFactory(workspace=workspace)
    return AssignmentEvent(
        workspace=workspace,
        created_at=at,
        source=source,
        contact_id=contact.pk,
        contact_name=contact.name,
        conversation_id=conversation.pk if conversation else None,
        previous_assignee_id=previous.pk if previous else None,
        previous_assignee_name=previous.display_name if previous else "",
        new_assignee_id=new.pk if new else None,
        new_assignee_name=new.display_name if new else "",
        assigned_by_id=by.pk if by else None,
        assigned_by_name=by.display_name if by else "",
    )


def build_conversation_event(workspace, at, *, kind="opened", source="contact", conversation=None, user=None,
                             assignee=None, channel_id=None, note="", seconds_since_open=None):
    """An unsaved ConversationEvent (for bulk_create in tests); ``user``/``assignee`` are users or None.

    Closed and first-response events need ``seconds_since_open`` (0 when not given). Production
    code writes these events only through ``contacts.services``.
    """
    from contacts.models import ConversationEvent

    if conversation is None:
        conversation = ConversationFactory(contact=ContactFactory(workspace=workspace), opened_at=at)
    if kind != "opened" and seconds_since_open is None:
        seconds_since_open = 0
    return ConversationEvent(
        workspace=workspace,
        created_at=at,
        kind=kind,
        source=source,
        conversation_id=conversation.pk,
        contact_id=conversation.contact_id,
        contact_name=conversation.contact.name,
        user_id=user.pk if user else None,
        user_name=user.display_name if user else "",
        assignee_id=assignee.pk if assignee else None,
        assignee_name=assignee.display_name if assignee else "",
        channel_id=channel_id,
        note=note,
        seconds_since_open=seconds_since_open,
    )
