"""A demo workspace: users, teams, contacts, conversations and ~90 days of assignments and
conversation lifecycle.

Everything is written through the real services (``conversation_open``, ``message_create``,
``message_send``, ``conversation_close``, ``contact_assign``) with past timestamps (``at``), so the
reports show what a real workspace produces: conversations opened by contacts through two
channels and by agents, workflows, the Developer API and the bot; agents answering after
minutes or hours (the next morning outside business hours); automatic workflow messages that
are no response; closes by agents, workflows, the API and the bot, with notes; some left open.
Each contact's facts are written in time order (``contact_assign`` refuses to go back in a
contact's history). Idempotent: a second run finds the demo workspace and changes nothing.
"""

import random
from datetime import datetime, timedelta

from django.core.management.base import BaseCommand
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone
from faker import Faker

from accounts.models import Membership, Team, Workspace
from accounts.services import member_add, workspace_create
from assignments.models import AssignmentSource
from assignments.services import contact_assign
from broadcasts.models import BroadcastRecipient
from broadcasts.services import broadcast_create, broadcast_run, segment_create
from contacts.models import Contact, ContactOrigin, ConversationSource, Message, SenderKind
from contacts.services import (
    contact_create,
    conversation_close,
    conversation_open,
    message_create,
    message_delivery_queue,
    message_send,
    message_status_record,
)
from integrations.models import Channel
from integrations.services import (
    api_token_create,
    channel_create,
    channel_inbound_receive,
    dialogflow_integration_create,
)
from workflows.services import workflow_create_from_template, workflow_enabled_set

# Reasons a channel gives for a message it could not deliver (the demo's failed messages).
DELIVERY_FAILURES = [
    "HTTP 422: el número no tiene WhatsApp",
    "HTTP 410: el contacto bloqueó el canal",
    "HTTP 503: servicio no disponible (después de 6 intentos)",
]

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
FOLLOW_UP = ["¿Me confirma, por favor?", "Perfecto, gracias", "¿Y el costo de envío?", "Listo, ya lo recibí"]
OUTBOUND = ["¡Hola! Con gusto le ayudo.", "Ya revisé su pedido.", "Le comparto la información.",
            "¿Algo más en que pueda ayudarle?"]
# Conversations the CRM starts: an agent's follow-up, a workflow's reminder, an API notification.
PROACTIVE = {
    SenderKind.USER: "Hola, le escribo para dar seguimiento a su pedido.",
    SenderKind.WORKFLOW: "Recordatorio: su carrito sigue guardado.",
    SenderKind.API: "Su pedido fue enviado. Número de guía: 7781-2290.",
    SenderKind.BOT: "¿Pudimos resolver su duda? Responda 1 (sí) o 2 (no).",
}
ACKNOWLEDGEMENT = "Gracias por escribirnos; en breve le atiende un asesor."
# How a conversation of the demo opens (relative weights). Contacts write in through the two
# channels; the rest are started by the CRM (message_send: the opening source follows the sender).
OPENING_WEIGHTS = {"web": 42, "app": 28, SenderKind.USER: 12, SenderKind.WORKFLOW: 7, SenderKind.API: 9,
                   SenderKind.BOT: 2}
# How the demo's contacts came in (relative weights): most wrote in through a channel.
CONTACT_ORIGINS = {ContactOrigin.CHANNEL: 55, ContactOrigin.IMPORT: 20, ContactOrigin.USER: 15,
                   ContactOrigin.API: 10}
# Who closes (relative weights) and the notes they leave; some conversations stay open.
CLOSING_WEIGHTS = {ConversationSource.USER: 55, ConversationSource.WORKFLOW: 18, ConversationSource.API: 12,
                   ConversationSource.BOT: 15}
CLOSING_NOTES = {
    ConversationSource.USER: ["", "Resuelto", "Se envió la guía de tallas", "Cambio de talla en proceso",
                              "Cliente satisfecho"],
    ConversationSource.WORKFLOW: ["Cerrada por inactividad (48 h)", ""],
    ConversationSource.API: ["Pedido entregado", "Ticket cerrado en el ERP"],
    ConversationSource.BOT: ["El bot resolvió la duda", "Consulta de horario respondida por el bot"],
}
# Conversations of the last two days stay open half of the time; older ones were all closed, those
# where the contact was left waiting by the 48-hour inactivity workflow.
RECENT, LEFT_OPEN = timedelta(days=2), 0.5
INACTIVITY = timedelta(hours=48)
# The agents' shifts in the workspace's time: a message outside them is answered next morning,
# and most contacts write while they are awake.
OPENS_AT, CLOSES_AT = 8, 21


class Command(BaseCommand):
    help = "Load the demo workspace (idempotent); prints how to log in."

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true", help="do nothing if any workspace exists")
        parser.add_argument("--days", type=int, default=90)
        parser.add_argument("--contacts", type=int, default=300)
        parser.add_argument("--events", type=int, default=2400)
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument("--url", default="http://127.0.0.1:8000",
                            help="where the app is served, for the login line (make run passes its HOST and PORT)")

    def handle(self, *args, **opts):
        if opts["if_empty"] and Workspace.objects.exists():
            self.stdout.write("The database already has workspaces; demo data not loaded.")
        elif Workspace.objects.filter(name=DEMO_NAME, memberships__user__email=OWNER_EMAIL).exists():
            self.stdout.write("The demo workspace already exists.")
        else:
            self._seed(opts)
        self.stdout.write(f"Log in at {opts['url'].rstrip('/')}/accounts/login/ as {OWNER_EMAIL} / {PASSWORD} "
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

        channels = self._channels(workspace, users[OWNER_EMAIL], created_at=start - timedelta(days=30))
        contacts = self._contacts(workspace, users, channels, opts, start, now, rng, fake)

        # Walk time forward: each step a contact's conversation opens (or goes on, when one is
        # open), the contact gets assigned or reassigned by some source, people answer, and the
        # conversation is usually closed. Every fact of a contact lies after its previous ones
        # (``free_at``), so its assignment chain and its conversations stay in time order.
        step = (now - start) / opts["events"]
        sources, weights = zip(*SOURCE_WEIGHTS.items(), strict=True)
        tz = workspace.tzinfo
        # nothing happens to a contact before it was created
        free_at: dict[int, datetime] = {c.pk: c.created_at for c in contacts}
        # the first steps open and close once with every source, so the reports show them all
        forced_openings = list(OPENING_WEIGHTS)
        forced_closings = list(CLOSING_WEIGHTS)
        at = start
        for _ in range(opts["events"]):
            at = at + step * rng.uniform(0.5, 1.5)
            if at >= now:
                break
            # among the contacts that exist by then
            contact = rng.choice([c for c in contacts if c.created_at <= at] or contacts)
            opening = forced_openings.pop(0) if forced_openings else rng.choices(
                list(OPENING_WEIGHTS), list(OPENING_WEIGHTS.values()))[0]
            # the episode's time: contacts and agents mostly write in the day, workflows and the
            # API at any hour
            when = self._daytime(at, rng, tz) if opening in channels or opening == SenderKind.USER else at
            if free_at.get(contact.pk, start) > when or when >= now:
                continue  # still busy with its previous conversation: the step goes by
            opener = rng.choice(agents) if opening == SenderKind.USER else None
            conversation = self._open(contact, opening, opener, channels, when, rng)
            source = rng.choices(sources, weights)[0]
            target = None if rng.random() < 0.08 else rng.choice(agents)
            by = rng.choice(assigners) if source == AssignmentSource.USER else None
            if by is not None and target is not None and rng.random() < 0.5:
                target = by if by in agents else target
            contact_assign(contact=contact, assignee=target, source=source, assigned_by=by, at=when)
            last, responder, waiting = self._talk(conversation, contact, opening, opener, target, agents, when,
                                                  now, rng, tz)
            unanswered = waiting and responder is None
            free_at[contact.pk] = self._close(conversation, last, responder or target or rng.choice(agents),
                                              unanswered, forced_closings, now, rng)
        self._status_history(workspace, list(users.values()), start, now, rng, tz)
        # its own random stream, so the rest of the demo stays what it was
        self._deliveries(workspace, now, random.Random(opts["seed"] + 1))
        self._broadcasts(workspace, users[OWNER_EMAIL], channels, random.Random(opts["seed"] + 2))
        self._live_entry_points(workspace, users, rng)
        self.stdout.write(self.style.SUCCESS(f"Demo workspace {workspace.pk} created: {len(contacts)} contacts."))

    def _contacts(self, workspace, users, channels, opts, start, now, rng, fake):
        """The contacts, created through ``contact_create`` with how they came in: two in five
        before the history (the rest spread over it), by the origin weights of CONTACT_ORIGINS."""
        origins, weights = zip(*CONTACT_ORIGINS.items(), strict=True)
        people = [users[e] for e, _, _, _ in PEOPLE]
        made = []
        for i in range(opts["contacts"]):
            first, last = fake.first_name(), fake.last_name()
            if rng.random() < 0.4:
                created = start - timedelta(days=rng.uniform(0, 30))
            else:
                created = start + (now - start) * rng.random() * 0.98
            origin = rng.choices(origins, weights)[0]
            made.append(contact_create(
                workspace=workspace, origin=origin, first_name=first, last_name=last,
                email=f"{first}.{last}.{i}@correo.example".lower().replace(" ", ""),
                phone=f"+52155{rng.randrange(10**7):07d}", at=created,
                channel_id=rng.choice(list(channels.values())) if origin == ContactOrigin.CHANNEL else None,
                created_by=rng.choice(people) if origin == ContactOrigin.USER else None,
            ))
        return made

    @staticmethod
    def _status_history(workspace, people, start, now, rng, tz):
        """Estado de Actividad of every member through its write path: on workdays online in
        the morning, away for lunch, offline in the evening (logging out)."""
        from presence.services import agent_status_set

        day = start.astimezone(tz).date()
        while day <= now.astimezone(tz).date():
            for person in people:
                if day.weekday() == 6 or rng.random() < 0.1:
                    continue
                base = datetime.combine(day, datetime.min.time(), tzinfo=tz)
                plan = [(8 + rng.random() * 2, "online", "login"), (13 + rng.random(), "away", "user"),
                        (14 + rng.random(), "online", "user"), (17 + rng.random() * 2, "offline", "logout")]
                for hour, status, source in plan:
                    moment = base + timedelta(hours=hour)
                    if moment < now:
                        agent_status_set(workspace=workspace, user=person, status=status, source=source, at=moment)
            day += timedelta(days=1)

    def _live_entry_points(self, workspace, users, rng):
        """Today's traffic through the real entry points: a web-chat channel whose new
        conversations an enabled sales workflow assigns round robin, and a returning contact
        who keeps their assignee without a new event (seed FAQ)."""
        owner = users[OWNER_EMAIL]
        channel = Channel.objects.get(workspace=workspace, name="Web chat")
        dialogflow_integration_create(workspace=workspace, name="Bot de ventas", created_by=owner)
        api_token_create(workspace=workspace, name="Demo", created_by=owner)
        workflow = workflow_create_from_template(workspace=workspace, key="sales_auto_assign", created_by=owner)
        workflow_enabled_set(workflow=workflow, enabled=True)
        # The sales team is on shift when the demo is loaded, whatever the hour: the workflow
        # assigns online members only (the beat's idle sweep takes them offline later).
        from presence.services import agent_status_set

        sales = Team.objects.filter(workspace=workspace, name__iexact="Ventas").first()
        for person in (sales.members.order_by("pk") if sales else []):
            agent_status_set(workspace=workspace, user=person, status="online", source="user")
        for first, last, phone in [("Rosa", "Morales", "+5215511110001"), ("Iván", "Cortés", "+5215511110002"),
                                   ("Paula", "Reyes", "+5215511110003")]:
            channel_inbound_receive(channel=channel, text=rng.choice(INBOUND), phone=phone, first_name=first,
                                    last_name=last)
        returning = Contact.objects.filter(workspace=workspace, assignee__isnull=False).exclude(
            conversations__status="open").order_by("pk").first()
        if returning is not None:
            channel_inbound_receive(channel=channel, text="Hola de nuevo", email=returning.email)

    @staticmethod
    def _deliveries(workspace, now, rng):
        """What the channels reported about the outgoing messages of their conversations, through
        the real write path: sent seconds later, mostly delivered, often read; a few failed (the
        three newest always, so every recent period shows some)."""
        outgoing = (Message.objects.filter(workspace=workspace, direction=Message.Direction.OUT,
                                           conversation__channel_id__isnull=False)
                    .select_related("conversation").order_by("-created_at", "-pk"))
        for index, message in enumerate(outgoing):
            message_delivery_queue(message=message, channel_id=message.conversation.channel_id, at=message.created_at)
            at = message.created_at + timedelta(seconds=rng.uniform(1, 4))
            if index < 3 or rng.random() < 0.05:
                message_status_record(message=message, status="failed", at=at, reason=rng.choice(DELIVERY_FAILURES))
                continue
            message_status_record(message=message, status="sent", at=at, external_id=f"demo-{message.pk}")
            if rng.random() < 0.9:
                at += timedelta(seconds=rng.uniform(2, 90))
                message_status_record(message=message, status="delivered", at=min(at, now))
                if rng.random() < 0.6:
                    at += timedelta(minutes=rng.uniform(1, 180))
                    message_status_record(message=message, status="read", at=min(at, now))

    @staticmethod
    def _broadcasts(workspace, owner, channels, rng):
        """Transmisiones: two segments and three broadcasts sent through the real job (the CRM's
        inbox is the channel: no outbound post), whose recipients then get the channels'
        statuses (delivered, read, a few failed) and some replies (one a BAJA, which opts the
        contact out), and one broadcast scheduled for next week. Its own random stream."""
        web = segment_create(workspace=workspace, name="Clientes del chat web",
                             filters={"channel": channels["web"]}, created_by=owner)
        app = segment_create(workspace=workspace, name="Usuarios de la app", filters={"channel": channels["app"]},
                             created_by=owner)
        everyone = segment_create(workspace=workspace, name="Todos los contactos", filters={}, created_by=owner)
        sent = [
            ("Promoción de temporada", channels["web"], web,
             "Hola {{contact.first_name}}, esta semana tienes 20% de descuento en toda la tienda.",
             {"contact.first_name": "cliente"}),
            ("Nueva versión de la app", channels["app"], app,
             "{{contact.first_name}}, ya puedes pagar tus pedidos desde la app. ¡Pruébalo!",
             {"contact.first_name": "Hola"}),
            ("Encuesta de satisfacción", channels["web"], everyone,
             "Hola {{contact.name}}, ¿cómo calificarías tu última compra del 1 al 5?", {"contact.name": "cliente"}),
        ]
        replies = ["Me interesa", "¿Hasta cuándo es válido?", "5", "Gracias", "BAJA"]
        with override_settings(BROADCAST_OUTBOUND_URL=""):  # the inbox is the channel
            for name, channel_id, segment, text, fallbacks in sent:
                broadcast = broadcast_create(workspace=workspace, name=name, channel_id=channel_id,
                                             segment_id=segment.pk, text=text, fallbacks=fallbacks, created_by=owner)
                broadcast_run(broadcast_id=broadcast.pk)  # its enqueued job then finds it sent
                recipients = (BroadcastRecipient.objects.filter(broadcast=broadcast, status="sent")
                              .order_by("pk"))
                messages = {m.pk: m for m in Message.objects.filter(
                    pk__in=recipients.values("message_id")).select_related("conversation")}
                for index, recipient in enumerate(recipients):
                    message = messages[recipient.message_id]
                    if message.conversation.channel_id is None:
                        continue  # it went into the contact's open conversation of no channel: the inbox's
                    message_delivery_queue(message=message, channel_id=message.conversation.channel_id,
                                           at=message.created_at)
                    if index < 2 or rng.random() < 0.06:
                        message_status_record(message=message, status="failed", reason=rng.choice(DELIVERY_FAILURES))
                        continue
                    message_status_record(message=message, status="sent", external_id=f"demo-bc-{message.pk}")
                    if rng.random() < 0.85:
                        message_status_record(message=message, status="delivered")
                        if rng.random() < 0.6:
                            message_status_record(message=message, status="read")
                            if rng.random() < 0.3:
                                message_create(conversation=message.conversation, direction="in",
                                               text=rng.choice(replies), sender_kind="contact")
        broadcast_create(workspace=workspace, name="Aviso de horario navideño", channel_id=channels["web"],
                         segment_id=web.pk, created_by=owner,
                         text="Hola {{contact.first_name}}, en diciembre abrimos de 9 a 22 h todos los días.",
                         fallbacks={"contact.first_name": "cliente"},
                         send_at=(timezone.now() + timedelta(days=7)).replace(second=0, microsecond=0).isoformat())

    def _channels(self, workspace, owner, *, created_at):
        """The demo's two custom channels (the web chat and the shop app), there before the history."""
        made = {}
        for key, name in [("web", "Web chat"), ("app", "App de la tienda")]:
            channel, _ = channel_create(workspace=workspace, name=name, created_by=owner)
            made[key] = channel.pk
        Channel.objects.filter(pk__in=made.values()).update(created_at=created_at)
        return made

    def _open(self, contact, opening, opener, channels, at, rng):
        """The contact's conversation at ``at``: the contact writing in through a channel, or the
        CRM writing first (an agent, a workflow, the API, the bot). An open one goes on."""
        if opening in channels:
            conversation, _ = conversation_open(contact=contact, at=at, source=ConversationSource.CONTACT,
                                                channel_id=channels[opening])
            message_create(conversation=conversation, direction=Message.Direction.IN, text=rng.choice(INBOUND),
                           sender_kind=SenderKind.CONTACT, at=at)
            return conversation
        message = message_send(contact=contact, text=PROACTIVE[opening], sender_kind=opening, author=opener, at=at)
        return message.conversation

    def _talk(self, conversation, contact, opening, opener, target, agents, at, now, rng, tz):
        """The exchange after the opening: maybe a workflow's acknowledgement (no response), the
        contact writing (again), agents answering after minutes or hours. Returns the time of the
        last fact, the agent who answered (or None) and whether the contact is left waiting."""
        last, responder = at, None
        contact_waiting = opening not in PROACTIVE  # the contact wrote in and waits for a person
        if contact_waiting and rng.random() < 0.25:
            last = at + timedelta(seconds=rng.uniform(5, 40))
            message_create(conversation=conversation, direction=Message.Direction.OUT, text=ACKNOWLEDGEMENT,
                           sender_kind=SenderKind.WORKFLOW, at=last)
        if not contact_waiting and rng.random() < 0.6:
            # the contact answers what the CRM sent
            answer = at + timedelta(minutes=rng.uniform(2, 240))
            if answer >= now:
                return last, None, False
            last = answer
            message_create(conversation=conversation, direction=Message.Direction.IN, text=rng.choice(FOLLOW_UP),
                           sender_kind=SenderKind.CONTACT, at=last)
            contact_waiting = True
        for _exchange in range(rng.choice([1, 1, 2, 3])):
            if not contact_waiting or rng.random() < 0.12:
                break  # nobody answers (this time): the contact keeps waiting
            reply_at = self._reply_time(last, rng, tz)
            if reply_at >= now:
                break
            responder = responder or opener or (target if target in agents else rng.choice(agents))
            # message_send: a reply to an unassigned contact assigns it to the agent (source user)
            message_send(contact=contact, text=rng.choice(OUTBOUND), sender_kind=SenderKind.USER,
                         author=responder, at=reply_at)
            last, contact_waiting = reply_at, False
            if rng.random() < 0.5:
                follow_up = reply_at + timedelta(minutes=rng.uniform(1, 90))
                if follow_up >= now:
                    break
                message_create(conversation=conversation, direction=Message.Direction.IN,
                               text=rng.choice(FOLLOW_UP), sender_kind=SenderKind.CONTACT, at=follow_up)
                last, contact_waiting = follow_up, True
        return last, responder, contact_waiting

    @staticmethod
    def _close(conversation, last, agent, unanswered, forced_closings, now, rng):
        """Close the conversation after its last message (or leave it open); returns the time
        of the contact's last fact."""
        if forced_closings:
            closing = forced_closings.pop(0)
        elif now - last < RECENT and rng.random() < LEFT_OPEN:
            return last  # still open today
        elif unanswered:
            # nobody answered the contact: the inactivity workflow closes the conversation
            closed_at = last + INACTIVITY + timedelta(minutes=rng.uniform(0, 60))
            if closed_at < now:
                conversation_close(conversation=conversation, source=ConversationSource.WORKFLOW,
                                   note=CLOSING_NOTES[ConversationSource.WORKFLOW][0], at=closed_at)
                return closed_at
            return last
        else:
            closing = rng.choices(list(CLOSING_WEIGHTS), list(CLOSING_WEIGHTS.values()))[0]
        closed_at = last + timedelta(minutes=rng.uniform(3, 180))
        if closed_at >= now:
            return last
        conversation_close(conversation=conversation, source=closing, note=rng.choice(CLOSING_NOTES[closing]),
                           closed_by=agent if closing == ConversationSource.USER else None, at=closed_at)
        return closed_at

    @staticmethod
    def _daytime(at, rng, tz):
        """Most people write while awake: a night-time moment moves, most of the time, to the
        next morning."""
        local = at.astimezone(tz)
        if OPENS_AT <= local.hour < 23 or rng.random() < 0.2:
            return at
        morning = local.replace(hour=OPENS_AT, minute=0, second=0, microsecond=0)
        if local.hour >= OPENS_AT:
            morning += timedelta(days=1)
        return morning + timedelta(minutes=rng.uniform(0, 150))

    @staticmethod
    def _reply_time(waiting_since, rng, tz):
        """When an agent answers: minutes mostly, sometimes hours; the next morning when the
        contact wrote outside business hours."""
        local = waiting_since.astimezone(tz)
        if not OPENS_AT <= local.hour < CLOSES_AT:
            morning = local.replace(hour=OPENS_AT, minute=0, second=0, microsecond=0)
            if local.hour >= CLOSES_AT:
                morning += timedelta(days=1)
            return morning + timedelta(minutes=rng.uniform(5, 90))
        delay = rng.choices([rng.uniform(1, 20), rng.uniform(20, 120), rng.uniform(120, 360)], [55, 33, 12])[0]
        return waiting_since + timedelta(minutes=delay, seconds=rng.uniform(0, 59))
