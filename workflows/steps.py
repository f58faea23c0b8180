"""The steps of a workflow (api.md "Workflows"): validation and canonical form.

The API and the Flujos page both save steps through ``steps_clean``, which checks every step
against the workspace (users and teams are resolved through it: an id of another workspace is
"not a member" / "not a team of this workspace") and returns the canonical steps, with
defaults filled in and nothing else. Errors are keyed like the API's field errors:
``{"steps.0.user": ["not a member"]}``.
"""

from django.utils.translation import gettext as _

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
