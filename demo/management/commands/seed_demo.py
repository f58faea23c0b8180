"""A demo workspace: users, teams, contacts, conversations and ~90 days of assignments.

Everything is written through the real services (``conversation_open``, ``message_create``,
``contact_assign``), so the report shows what a real workspace produces. Idempotent: a second
run finds the demo workspace and changes nothing.
"""

import random
from datetime import timedelta

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from faker import Faker

from accounts.models import Membership, Workspace
from accounts.services import member_add, workspace_create
from assignments.models import AssignmentSource
from assignments.services import contact_assign
from contacts.models import Contact, Message
from contacts.services import conversation_close, conversation_open, message_create

DEMO_NAME = "Demo Tienda"
OWNER_EMAIL = "ana@demo.example"
PASSWORD = "demo1234"
PEOPLE = [
    ("ana@demo.example", "Ana Torres", Membership.Role.OWNER, None),
    ("diego@demo.example", "Diego Ramírez", Membership.Role.MANAGER, None),
    ("marta@demo.example", "Marta Gil", Membership.Role.MANAGER, None),
    ("luis@demo.example", "Luis Fernández", Membership.Role.AGENT, "Ventas"),
    ("sofia@demo.example", "Sofía Castro", Membership.Role.AGENT, "Ventas"),
    ("carlos@demo.example", "Carlos Méndez", Membership.Role.AGENT, "Ventas"),
    ("valeria@demo.example", "Valeria Ruiz", Membership.Role.AGENT, "Soporte"),
    ("jorge@demo.example", "Jorge Navarro", Membership.Role.AGENT, "Soporte"),
]
# Relative weights of the sources, so the report looks like a real workspace.
SOURCE_WEIGHTS = {
    AssignmentSource.USER: 40, AssignmentSource.WORKFLOW: 28, AssignmentSource.API: 12,
    AssignmentSource.BOT: 10, AssignmentSource.ZAPIER: 6, AssignmentSource.CONTACT_IMPORT: 4,
}
INBOUND = ["Hola, quisiera información", "¿Tienen envío a Monterrey?", "Mi pedido no ha llegado",
           "¿Cuál es el horario?", "Quiero cambiar mi talla", "Gracias por la ayuda"]
OUTBOUND = ["¡Hola! Con gusto le ayudo.", "Ya revisé su pedido.", "Le comparto la información.",
            "¿Algo más en que pueda ayudarle?"]


class Command(BaseCommand):
    help = "Load the demo workspace (idempotent); prints how to log in."

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true", help="do nothing if any workspace exists")
        parser.add_argument("--days", type=int, default=90)
        parser.add_argument("--contacts", type=int, default=300)
        parser.add_argument("--events", type=int, default=2400)
        parser.add_argument("--seed", type=int, default=7)

    def handle(self, *args, **opts):
        if opts["if_empty"] and Workspace.objects.exists():
            self.stdout.write("The database already has workspaces; demo data not loaded.")
        elif Workspace.objects.filter(name=DEMO_NAME, memberships__user__email=OWNER_EMAIL).exists():
            self.stdout.write("The demo workspace already exists.")
        else:
            self._seed(opts)
        self.stdout.write(f"Log in at http://127.0.0.1:8000/accounts/login/ as {OWNER_EMAIL} / {PASSWORD} "
                          f"(owner) or luis@demo.example / {PASSWORD} (agent).")

    @transaction.atomic
    def _seed(self, opts):
        rng = random.Random(opts["seed"])
        fake = Faker("es_MX")
        fake.seed_instance(opts["seed"])
        now = timezone.now()
        start = now - timedelta(days=opts["days"])

        workspace = workspace_create(name=DEMO_NAME, timezone="America/Mexico_City", language="es",
                                     owner_email=OWNER_EMAIL, owner_password=PASSWORD, owner_name="Ana Torres")
        Workspace.objects.filter(pk=workspace.pk).update(created_at=start - timedelta(days=30))
        users = {}
        for email, name, role, team in PEOPLE:
            users[email] = member_add(workspace=workspace, email=email, role=role, password=PASSWORD, name=name,
                                      team=team)
        Membership.objects.filter(workspace=workspace, user=users["marta@demo.example"]).update(
            restrict_data_export=True
        )
        agents = [u for e, _, r, _ in PEOPLE if r == Membership.Role.AGENT for u in [users[e]]]
        assigners = agents + [users["diego@demo.example"], users["ana@demo.example"]]

        contacts = []
        for i in range(opts["contacts"]):
            first, last = fake.first_name(), fake.last_name()
            contacts.append(Contact(
                workspace=workspace, first_name=first, last_name=last,
                email=f"{first}.{last}.{i}@correo.example".lower().replace(" ", ""),
                phone=f"+52155{rng.randrange(10**7):07d}", created_at=start - timedelta(days=rng.randrange(30)),
            ))
        contacts = Contact.objects.bulk_create(contacts)

        # Walk time forward: each step a contact writes in (opening a conversation when none is
        # open), gets assigned or reassigned by some source, and sometimes the chat is closed.
        step = (now - start) / opts["events"]
        sources, weights = zip(*SOURCE_WEIGHTS.items(), strict=True)
        at = start
        for _ in range(opts["events"]):
            at = at + step * rng.uniform(0.5, 1.5)
            if at >= now:
                break
            contact = rng.choice(contacts)
            conversation, opened = conversation_open(contact=contact, at=at)
            if opened:
                message_create(conversation=conversation, direction=Message.Direction.IN, text=rng.choice(INBOUND), at=at)
            source = rng.choices(sources, weights)[0]
            target = None if rng.random() < 0.08 else rng.choice(agents)
            by = rng.choice(assigners) if source == AssignmentSource.USER else None
            if by is not None and target is not None and rng.random() < 0.5:
                target = by if by in agents else target
            contact_assign(contact=contact, assignee=target, source=source, assigned_by=by, at=at)
            if target is not None and rng.random() < 0.5:
                message_create(conversation=conversation, direction=Message.Direction.OUT, text=rng.choice(OUTBOUND),
                               author=target, at=at + timedelta(minutes=2))
            if rng.random() < 0.35:
                conversation_close(conversation=conversation, closed_by=target, at=at + timedelta(minutes=5))
        self._live_entry_points(workspace, users, rng)
        self.stdout.write(self.style.SUCCESS(f"Demo workspace {workspace.pk} created: {len(contacts)} contacts."))

    def _live_entry_points(self, workspace, users, rng):
        """Today's traffic through the real entry points: a web-chat channel whose new
        conversations an enabled sales workflow assigns round robin, and a returning contact
        who keeps their assignee without a new event (seed FAQ)."""
        from integrations.services import (
            api_token_create,
            channel_create,
            channel_inbound_receive,
            dialogflow_integration_create,
        )
        from workflows.services import workflow_create_from_template, workflow_enabled_set

        owner = users[OWNER_EMAIL]
        channel, _ = channel_create(workspace=workspace, name="Web chat", created_by=owner)
        dialogflow_integration_create(workspace=workspace, name="Bot de ventas", created_by=owner)
        api_token_create(workspace=workspace, name="Demo", created_by=owner)
        workflow = workflow_create_from_template(workspace=workspace, key="sales_auto_assign", created_by=owner)
        workflow_enabled_set(workflow=workflow, enabled=True)
        for first, last, phone in [("Rosa", "Morales", "+5215511110001"), ("Iván", "Cortés", "+5215511110002"),
                                   ("Paula", "Reyes", "+5215511110003")]:
            channel_inbound_receive(channel=channel, text=rng.choice(INBOUND), phone=phone, first_name=first,
                                    last_name=last)
        returning = Contact.objects.filter(workspace=workspace, assignee__isnull=False).exclude(
            conversations__status="open").order_by("pk").first()
        if returning is not None:
            channel_inbound_receive(channel=channel, text="Hola de nuevo", email=returning.email)
