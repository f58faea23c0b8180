"""Custom contact fields: the workspace's definitions (``CustomField``) and each contact's values
(``Contact.custom_fields``, ``{key: text}``).

One set of rules for every way in (the contacts API, the CSV import, the definitions API):

- a key is a slug: a lowercase letter, then lowercase letters, digits or ``_``, at most 50
  (``plan``, ``numero_cliente``); it is fixed once created, and cannot be a contact field's own
  name;
- a value is a text of at most ``MAX_VALUE`` characters, stored trimmed (NUL characters removed);
  an empty value (or null) removes the contact's value;
- a key the workspace has not defined is refused;
- deleting a definition deletes its values from every contact.

Comparing values (segments' "custom field equals"): both sides trimmed, case-insensitive
(``value_key``; PostgreSQL's ``lower()`` and SQLite's ``crm_lower``, Python's ``str.lower`` —
see ``contacts.apps``).
"""

import re

from django.db import connection, transaction
from django.db.models import Func, QuerySet, TextField
from django.db.models.fields.json import KT
from django.utils.translation import gettext as _

from accounts.models import Workspace

from .models import Contact, CustomField

KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,49}$")
MAX_LABEL = 100
MAX_VALUE = 500
MAX_FIELDS = 50
# A contact's own fields (and the import's columns): never a custom key.
RESERVED_KEYS = frozenset({
    "id", "first_name", "last_name", "name", "email", "phone", "tags", "assignee", "created_at", "updated_at",
    "origin", "custom", "custom_fields",
})


class CustomFieldError(ValueError):
    """Input the custom fields cannot take; ``field`` names it (the API's ``errors`` key)."""

    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.message = message
        self.field = field


def value_text(value: str) -> str:
    """A value as it is stored and compared: without NUL characters (PostgreSQL text cannot hold
    them), trimmed."""
    return value.replace("\x00", "").strip()


def value_key(value: str) -> str:
    """What "equals" compares: the trimmed value, in lower case."""
    return value.strip().lower()


def custom_field_list(*, workspace: Workspace):
    return CustomField.objects.filter(workspace=workspace).order_by("label", "key")


def custom_field_get(*, workspace: Workspace, field_id) -> CustomField | None:
    if isinstance(field_id, bool) or not isinstance(field_id, int) or not 0 < field_id < 2**62:
        return None
    return CustomField.objects.filter(workspace=workspace, pk=field_id).first()


def custom_field_labels(*, workspace: Workspace) -> dict[str, str]:
    """``{key: label}`` of the workspace's definitions."""
    return dict(custom_field_list(workspace=workspace).values_list("key", "label"))


def _label(value) -> str:
    if not isinstance(value, str) or not value.replace("\x00", "").strip():
        raise CustomFieldError(_("Give it a label."), field="label")
    value = value.replace("\x00", "").strip()
    if len(value) > MAX_LABEL:
        raise CustomFieldError(_("At most %(n)s characters.") % {"n": MAX_LABEL}, field="label")
    return value


def _key(value) -> str:
    if not isinstance(value, str) or not KEY_RE.match(value.strip()):
        raise CustomFieldError(
            _("The key is a lowercase letter followed by lowercase letters, digits or _ (at most 50), e.g. plan."),
            field="key",
        )
    value = value.strip()
    if value in RESERVED_KEYS:
        raise CustomFieldError(_("“%(key)s” is a contact field of its own; choose another key.") % {"key": value},
                               field="key")
    return value


@transaction.atomic
def custom_field_create(*, workspace: Workspace, key, label) -> CustomField:
    key, label = _key(key), _label(label)
    # The workspace row is locked so two concurrent creations count (and name) in turn.
    Workspace.objects.select_for_update().filter(pk=workspace.pk).first()
    existing = CustomField.objects.filter(workspace=workspace)
    if existing.filter(key=key).exists():
        raise CustomFieldError(_("A custom field with this key already exists."), field="key")
    if existing.count() >= MAX_FIELDS:
        raise CustomFieldError(_("A workspace has at most %(n)s custom fields.") % {"n": MAX_FIELDS}, field="key")
    return CustomField.objects.create(workspace=workspace, key=key, label=label)


@transaction.atomic
def custom_field_update(*, field: CustomField, label=None, key=None) -> CustomField:
    """Only the label changes; the key is fixed (``key`` equal to the current one is accepted)."""
    if key is not None and key != field.key:
        raise CustomFieldError(_("The key cannot be changed: delete the field and create another."), field="key")
    if label is not None:
        field.label = _label(label)
        field.save(update_fields=["label"])
    return field


@transaction.atomic
def custom_field_delete(*, field: CustomField) -> int:
    """Delete the definition and its values on every contact; returns the contacts changed."""
    table = Contact._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"UPDATE {table} SET custom_fields = custom_fields - %s WHERE workspace_id = %s AND custom_fields ? %s",
                [field.key, field.workspace_id, field.key],
            )
        else:
            path = f"$.{field.key}"  # the key is a slug: a plain JSON path member
            cursor.execute(
                f"UPDATE {table} SET custom_fields = json_remove(custom_fields, %s) "
                f"WHERE workspace_id = %s AND json_type(custom_fields, %s) IS NOT NULL",
                [path, field.workspace_id, path],
            )
        changed = cursor.rowcount
    field.delete()
    return changed


def custom_values_clean(*, workspace: Workspace, values, current: dict | None = None,
                        keys: set[str] | None = None, field: str = "custom_fields") -> dict[str, str]:
    """The contact's values after applying ``values`` (``{key: text | null}``) to ``current``:
    given keys are set (an empty text or null removes the value), others kept. Raises
    ``CustomFieldError`` naming ``custom_fields.<key>`` for an undefined key or a bad value.
    ``keys``: the workspace's keys when the caller already read them (the import, per batch)."""
    if not isinstance(values, dict):
        raise CustomFieldError(_("custom_fields must be an object of key → text."), field=field)
    if keys is None:
        keys = set(CustomField.objects.filter(workspace=workspace).values_list("key", flat=True))
    result = dict(current or {})
    for key, value in values.items():
        name = f"{field}.{key}"
        if not isinstance(key, str) or key not in keys:
            raise CustomFieldError(
                _("Unknown custom field: %(key)s. Define it first (Contact custom fields).") % {"key": str(key)[:60]},
                field=name,
            )
        if value is None:
            result.pop(key, None)
            continue
        if not isinstance(value, str):
            raise CustomFieldError(_("A custom field's value is a text."), field=name)
        value = value_text(value)
        if len(value) > MAX_VALUE:
            raise CustomFieldError(_("At most %(n)s characters.") % {"n": MAX_VALUE}, field=name)
        if value:
            result[key] = value
        else:
            result.pop(key, None)
    return result


class _Lower(Func):
    """lower() folding every letter: PostgreSQL's (UTF-8), SQLite's ``crm_lower`` (contacts.apps)."""

    function = "LOWER"
    output_field = TextField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, function="crm_lower", **extra_context)


def contacts_with_value(qs: QuerySet[Contact], *, key: str, value: str) -> QuerySet[Contact]:
    """The contacts whose value of ``key`` equals ``value`` (``value_key`` on both sides; the
    stored values are trimmed on write). A contact without a value never matches."""
    if not KEY_RE.match(key):
        return qs.none()
    return qs.alias(_custom_value=_Lower(KT(f"custom_fields__{key}"))).filter(_custom_value=value_key(value))
