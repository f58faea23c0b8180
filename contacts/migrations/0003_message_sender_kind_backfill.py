"""Data migration: the sender of every message stored before ``Message.sender_kind`` existed.

Incoming messages are the contact's; outgoing ones with an author were written by a person
(``user``); outgoing ones without an author came from the Developer API or a workflow, which
cannot be told apart afterwards: they are classified ``api``. Batched by primary key and not
atomic as a whole, so a big table is not locked in one long transaction; a rerun after an
interruption picks up the rows still blank.
"""

from django.db import migrations, transaction

BATCH = 10_000


def sender_kind_backfill(apps, schema_editor):
    Message = apps.get_model("contacts", "Message")
    db = schema_editor.connection.alias
    blank = Message.objects.using(db).filter(sender_kind="")
    last = blank.order_by("-pk").values_list("pk", flat=True).first()
    if last is None:
        return
    start = blank.order_by("pk").values_list("pk", flat=True).first()
    while start <= last:
        batch = blank.filter(pk__gte=start, pk__lt=start + BATCH)
        with transaction.atomic(using=db):
            batch.filter(direction="in").update(sender_kind="contact")
            batch.filter(direction="out", author__isnull=False).update(sender_kind="user")
            batch.filter(direction="out", author__isnull=True).update(sender_kind="api")
        start += BATCH


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("contacts", "0002_conversation_lifecycle"),
    ]

    operations = [
        # Reversing needs nothing: reversing 0002 drops the column.
        migrations.RunPython(sender_kind_backfill, migrations.RunPython.noop, elidable=True),
    ]
