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
    text = "Hola"


def member(workspace, role=Membership.Role.AGENT, **user_kwargs) -> User:
    user = UserFactory(**user_kwargs)
    MembershipFactory(workspace=workspace, user=user, role=role)
    return user


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
