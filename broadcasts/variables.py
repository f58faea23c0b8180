"""The message's dynamic variables: ``{{contact.first_name}}`` and the like.

A variable whose value is empty for a contact is replaced by the fallback the user set for it
(empty text when none was set). An unknown variable is refused when the broadcast is created.

The workspace's custom contact fields are variables too: ``{{contact.custom.<key>}}`` (their
label as the variable's label, ``workspace_variables``). A contact without a value for it (or
whose field was deleted since, with its values) gets the fallback.
"""

import re

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .segments import BroadcastInputError

# name → (label, how to read it from a contact)
VARIABLES = {
    "contact.first_name": (gettext_lazy("First name"), lambda c: c.first_name),
    "contact.last_name": (gettext_lazy("Last name"), lambda c: c.last_name),
    "contact.name": (gettext_lazy("Full name"), lambda c: c.name),
    "contact.email": (gettext_lazy("Email"), lambda c: c.email),
    "contact.phone": (gettext_lazy("Phone"), lambda c: c.phone),
}
CUSTOM_PREFIX = "contact.custom."


def _custom_reader(key: str):
    return lambda c: c.custom_fields.get(key, "") if isinstance(c.custom_fields, dict) else ""


def workspace_variables(workspace) -> dict:
    """``VARIABLES`` and the workspace's custom fields (``contact.custom.<key>``), same shape."""
    from contacts.custom_fields import custom_field_labels

    return {**VARIABLES, **{f"{CUSTOM_PREFIX}{key}": (label, _custom_reader(key))
                            for key, label in custom_field_labels(workspace=workspace).items()}}


# {{ name }} with optional spaces; anything between double braces is a variable reference.
VARIABLE_RE = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
MAX_TEXT = 4096
MAX_FALLBACK = 200


def text_variables(text: str) -> list[str]:
    return list(dict.fromkeys(VARIABLE_RE.findall(text)))


def message_text_clean(*, text, fallbacks, variables: dict | None = None) -> tuple[str, dict[str, str]]:
    """The text and the fallbacks of the variables it uses, or ``BroadcastInputError``.
    ``variables``: the workspace's (``workspace_variables``); default the contact's own fields."""
    variables = VARIABLES if variables is None else variables
    if not isinstance(text, str) or not text.strip():
        raise BroadcastInputError(_("Write the message."), field="text")
    text = text.replace("\x00", "")
    if len(text) > MAX_TEXT:
        raise BroadcastInputError(
            _("The message is longer than %(max)s characters.") % {"max": MAX_TEXT}, field="text"
        )
    used = text_variables(text)
    unknown = [name for name in used if name not in variables]
    if unknown:
        raise BroadcastInputError(
            _("Unknown variable {{%(name)s}}. Variables: %(known)s.")
            % {"name": unknown[0], "known": ", ".join("{{" + v + "}}" for v in variables)},
            field="text",
        )
    if fallbacks in (None, ""):
        fallbacks = {}
    if not isinstance(fallbacks, dict):
        raise BroadcastInputError(_("fallbacks must be an object of variable → text."), field="fallbacks")
    clean = {}
    for name, value in fallbacks.items():
        if name not in variables:
            raise BroadcastInputError(_("Unknown variable %(name)s.") % {"name": name}, field=f"fallbacks.{name}")
        if not isinstance(value, str) or len(value) > MAX_FALLBACK:
            raise BroadcastInputError(
                _("A fallback is a text of at most %(max)s characters.") % {"max": MAX_FALLBACK},
                field=f"fallbacks.{name}",
            )
        if name in used and value.strip():
            clean[name] = value.strip().replace("\x00", "")
    return text, clean


def message_render(*, text: str, fallbacks: dict[str, str], contact) -> str:
    """The text for one contact: each variable's value, or its fallback when the value is empty."""

    def value(match: re.Match) -> str:
        name = match.group(1)
        read = VARIABLES.get(name)
        if read is None and name.startswith(CUSTOM_PREFIX):
            read = (name, _custom_reader(name[len(CUSTOM_PREFIX):]))
        found = (read[1](contact) or "").strip() if read else ""
        return found or fallbacks.get(name, "")

    return VARIABLE_RE.sub(value, text)
