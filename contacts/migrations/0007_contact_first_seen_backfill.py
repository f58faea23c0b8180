# First seen of the contacts that existed before it was recorded: the timestamp of their earliest
# stored incoming message (messages are immutable, so this is the same fact message_create keeps
# from now on, not an estimate). Batched by primary key; contacts that never wrote in keep null.

from django.db import migrations
from django.db.models import Min, OuterRef, Subquery

BATCH = 5000


def first_seen_backfill(apps, schema_editor):
    Contact = apps.get_model("contacts", "Contact")
    Message = apps.get_model("contacts", "Message")
    earliest = (Message.objects.filter(conversation__contact_id=OuterRef("pk"), direction="in")
                .order_by().values("conversation__contact_id").annotate(first=Min("created_at")).values("first"))
    last = Contact.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    for low in range(0, last + 1, BATCH):
        Contact.objects.filter(pk__gte=low, pk__lt=low + BATCH, first_seen_at__isnull=True).update(
            first_seen_at=Subquery(earliest))


class Migration(migrations.Migration):

    dependencies = [
        ("contacts", "0006_contact_origin"),
    ]

    operations = [
        migrations.RunPython(first_seen_backfill, migrations.RunPython.noop),
    ]
