"""The steps of a workflow (api.md "Workflows"): validation and canonical form.

The API and the Flujos page both save steps through ``steps_clean``, which checks every step
against the workspace (users and teams are resolved through it: an id of another workspace is
"not a member" / "not a team of this workspace") and returns the canonical steps, with
defaults filled in and nothing else. Errors are keyed like the API's field errors:
``{"steps.0.user": ["not a member"]}``.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from accounts.models import Team, User, Workspace

STEP_TYPES = ("assign_to", "unassign", "close_conversation", "add_tag", "send_message")
ASSIGN_MODES = ("user", "team", "workspace")
STRATEGIES = ("round_robin", "fewest_open")
MAX_STEPS = 20
MAX_OPEN_LIMIT = 10_000
TAG_MAX = 100
TEXT_MAX = 4096
NOTE_MAX = 2000

ALLOWED_KEYS = {
    "assign_to": {"type", "mode", "user", "team", "strategy", "only_online", "max_open", "reassign"},
    "unassign": {"type"},
    "close_conversation": {"type", "note"},
    "add_tag": {"type", "tag"},
    "send_message": {"type", "text"},
}


# Labels of the Flujos page (the seed's names of the steps).
STEP_LABELS = {
    "assign_to": pgettext_lazy("workflow step", "Assign to"),
    "unassign": pgettext_lazy("workflow step", "Unassign"),
    "close_conversation": pgettext_lazy("workflow step", "Close conversation"),
    "add_tag": pgettext_lazy("workflow step", "Add tag"),
    "send_message": pgettext_lazy("workflow step", "Send message"),
}
MODE_LABELS = {
    "user": gettext_lazy("A specific user"),
    "team": gettext_lazy("A user in a team"),
    "workspace": gettext_lazy("A user in the workspace"),
}
STRATEGY_LABELS = {
    "round_robin": gettext_lazy("Round robin"),
    "fewest_open": gettext_lazy("Fewest open contacts"),
}


def step_describe(step: dict, *, users: dict[int, str], teams: dict[int, str]) -> str:
    """One line saying what a step does, for the list of workflows."""
    kind = step.get("type")
    label = str(STEP_LABELS.get(kind, kind))
    if kind == "assign_to":
        mode = step.get("mode")
        if mode == "user":
            target = users.get(step.get("user"), _("a removed user"))
        elif mode == "team":
            target = _("team %(name)s") % {"name": teams.get(step.get("team"), _("(deleted)"))}
        else:
            target = _("the workspace")
        details = []
        if mode != "user":
            details.append(str(STRATEGY_LABELS.get(step.get("strategy"), "")))
        if step.get("only_online"):
            details.append(_("online only"))
        if step.get("max_open"):
            details.append(_("at most %(n)s open contacts") % {"n": step["max_open"]})
        if step.get("reassign"):
            details.append(_("reassigns"))
        return f"{label}: {target}" + (f" ({', '.join(details)})" if details else "")
    if kind == "add_tag":
        return f"{label}: {step.get('tag', '')}"
    if kind == "send_message":
        text = step.get("text", "")
        return f"{label}: “{text[:60]}{'…' if len(text) > 60 else ''}”"
    if kind == "close_conversation" and step.get("note"):
        return f"{label}: {step['note'][:60]}"
    return label


class StepsInvalid(ValueError):
    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("invalid steps")
        self.errors = errors


def _int_id(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 < value < 2**62 else None
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) < 19:
        return int(value.strip())
    return None


def _text(value, *, max_length: int, required: bool) -> tuple[str, str | None]:
    if value is None:
        value = ""
    if not isinstance(value, str):
        return "", _("must be text")
    value = value.strip()
    if required and not value:
        return "", _("this field is required")
    if len(value) > max_length:
        return "", _("at most %(n)s characters") % {"n": max_length}
    return value, None


def _bool(value, default=False) -> tuple[bool, str | None]:
    if value is None:
        return default, None
    if isinstance(value, bool):
        return value, None
    return default, _("must be true or false")


def _assign_to_clean(*, workspace: Workspace, step: dict, err) -> dict:
    mode = step.get("mode")
    if mode not in ASSIGN_MODES:
        err("mode", _("must be one of: %(choices)s") % {"choices": ", ".join(ASSIGN_MODES)})
        return {}
    out: dict = {"type": "assign_to", "mode": mode}
    if mode == "user":
        user_id = _int_id(step.get("user"))
        if step.get("user") in (None, ""):
            err("user", _("this field is required"))
        elif user_id is None or not User.objects.filter(pk=user_id, memberships__workspace=workspace).exists():
            err("user", _("not a member"))
        else:
            out["user"] = user_id
    else:
        if mode == "team":
            team_id = _int_id(step.get("team"))
            if step.get("team") in (None, ""):
                err("team", _("this field is required"))
            elif team_id is None or not Team.objects.filter(pk=team_id, workspace=workspace).exists():
                err("team", _("not a team of this workspace"))
            else:
                out["team"] = team_id
        strategy = step.get("strategy") or "round_robin"
        if strategy not in STRATEGIES:
            err("strategy", _("must be one of: %(choices)s") % {"choices": ", ".join(STRATEGIES)})
        out["strategy"] = strategy
    for key in ("only_online", "reassign"):
        value, problem = _bool(step.get(key))
        if problem:
            err(key, problem)
        out[key] = value
    max_open = step.get("max_open")
    if max_open in (None, ""):
        out["max_open"] = None
    else:
        number = _int_id(max_open)
        if number is None or number > MAX_OPEN_LIMIT:
            err("max_open", _("must be a whole number from 1 to %(max)s") % {"max": MAX_OPEN_LIMIT})
        else:
            out["max_open"] = number
    return out


def steps_clean(*, workspace: Workspace, steps) -> list[dict]:
    """Validate ``steps`` for the workspace and return them in canonical form (raises ``StepsInvalid``)."""
    if not isinstance(steps, list):
        raise StepsInvalid({"steps": [_("must be a list of steps")]})
    if not steps:
        raise StepsInvalid({"steps": [_("add at least one step")]})
    if len(steps) > MAX_STEPS:
        raise StepsInvalid({"steps": [_("at most %(n)s steps") % {"n": MAX_STEPS}]})
    errors: dict[str, list[str]] = {}
    cleaned: list[dict] = []
    for index, step in enumerate(steps):
        prefix = f"steps.{index}"

        def err(field, message, prefix=prefix):
            errors.setdefault(f"{prefix}.{field}" if field else prefix, []).append(str(message))

        if not isinstance(step, dict):
            err("", _("must be an object"))
            continue
        kind = step.get("type")
        if kind not in STEP_TYPES:
            err("type", _("must be one of: %(choices)s") % {"choices": ", ".join(STEP_TYPES)})
            continue
        for key in sorted(set(step) - ALLOWED_KEYS[kind]):
            err(key, _("unknown field for this step"))
        if kind == "assign_to":
            cleaned.append(_assign_to_clean(workspace=workspace, step=step, err=err))
        elif kind == "unassign":
            cleaned.append({"type": "unassign"})
        elif kind == "close_conversation":
            note, problem = _text(step.get("note"), max_length=NOTE_MAX, required=False)
            if problem:
                err("note", problem)
            cleaned.append({"type": "close_conversation", "note": note})
        elif kind == "add_tag":
            tag, problem = _text(step.get("tag"), max_length=TAG_MAX, required=True)
            if problem:
                err("tag", problem)
            cleaned.append({"type": "add_tag", "tag": tag})
        elif kind == "send_message":
            text, problem = _text(step.get("text"), max_length=TEXT_MAX, required=True)
            if problem:
                err("text", problem)
            cleaned.append({"type": "send_message", "text": text})
    if errors:
        raise StepsInvalid(errors)
    return cleaned
