"""The Fuera de Horario form: per weekday an "open" checkbox and up to two time ranges.

The form only reads what was typed (``9:00`` is read as ``09:00``) and checks what is the
page's own business (an open day needs a range, a range needs both ends); the times and
overlaps are judged by ``business_hours.services.business_hours_set``, whose errors
``add_service_errors`` puts back on the weekday they belong to.
"""

import re

from django import forms
from django.utils.dates import WEEKDAYS as WEEKDAY_NAMES
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from .schedule import WEEKDAYS

RANGES_PER_DAY = 2
_LOOSE_TIME = re.compile(r"([0-9]{1,2})(?::?([0-9]{2}))?")  # 9, 9:00, 0900, 09:00
# "hh:mm", not a sample time: an empty range must not look filled in.
_PLACEHOLDER = pgettext_lazy("time input placeholder", "hh:mm")
# The page's suggestion for a workspace that never set its hours (off until saved on).
SUGGESTED = {key: [["09:00", "18:00"]] if key in WEEKDAYS[:5] else [] for key in WEEKDAYS}


def _normalise(value: str) -> str:
    """``9`` / ``9:00`` / ``0900`` → ``09:00``; anything else is passed on for the service to refuse."""
    value = value.strip()
    match = _LOOSE_TIME.fullmatch(value)
    if match is None:
        return value
    return f"{int(match.group(1)):02d}:{match.group(2) or '00'}"


class BusinessHoursForm(forms.Form):
    enabled = forms.BooleanField(label=gettext_lazy("Use business hours in the reports"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key in WEEKDAYS:
            self.fields[f"{key}_open"] = forms.BooleanField(label=pgettext_lazy("business hours of a weekday", "Open"), required=False)
            for n in range(1, RANGES_PER_DAY + 1):
                for end in ("from", "to"):
                    self.fields[f"{key}_{end}{n}"] = forms.CharField(
                        required=False, max_length=5, widget=forms.TextInput(attrs={
                            "placeholder": _PLACEHOLDER, "size": 5,
                            "autocomplete": "off", "spellcheck": "false",
                        }),
                    )
        # Which range (1 or 2) of the page each entry of a day's list came from.
        self.range_numbers: dict[str, list[int]] = {}
        self.day_errors: dict[str, list[str]] = {key: [] for key in WEEKDAYS}

    @staticmethod
    def initial_for(*, enabled: bool, schedule: dict) -> dict:
        initial = {"enabled": enabled}
        for key in WEEKDAYS:
            ranges = schedule.get(key, [])
            initial[f"{key}_open"] = bool(ranges)
            for n, (opens, closes) in enumerate(ranges[:RANGES_PER_DAY], start=1):
                initial[f"{key}_from{n}"], initial[f"{key}_to{n}"] = opens, closes
        return initial

    def clean(self):
        cleaned = super().clean()
        schedule: dict[str, list[list[str]]] = {}
        for key in WEEKDAYS:
            is_open = bool(cleaned.get(f"{key}_open"))
            ranges, numbers = [], []
            for n in range(1, RANGES_PER_DAY + 1):
                opens = _normalise(cleaned.get(f"{key}_from{n}") or "")
                closes = _normalise(cleaned.get(f"{key}_to{n}") or "")
                cleaned[f"{key}_from{n}"], cleaned[f"{key}_to{n}"] = opens, closes
                if not opens and not closes:
                    continue
                if not opens or not closes:
                    if is_open:
                        self.day_errors[key].append(
                            _("Range %(n)s: give both the opening and the closing time.") % {"n": n}
                        )
                    continue
                ranges.append([opens, closes])
                numbers.append(n)
            if not is_open:
                ranges, numbers = [], []  # a closed day: the ranges typed there are not kept
            elif not ranges and not self.day_errors[key]:
                self.day_errors[key].append(_("An open day needs at least one time range."))
            schedule[key] = ranges
            self.range_numbers[key] = numbers
        if any(self.day_errors.values()):
            raise forms.ValidationError(_("Some days are not valid; see the marked days."))
        cleaned["schedule"] = schedule
        return cleaned

    def add_service_errors(self, errors: dict[str, list[str]]) -> None:
        """Errors of ``business_hours_set`` (``schedule.mon.0``, ``schedule.mon``, ``schedule``)."""
        for field, reasons in errors.items():
            parts = field.split(".")
            if len(parts) >= 2 and parts[0] == "schedule" and parts[1] in self.day_errors:
                key, numbers = parts[1], self.range_numbers.get(parts[1], [])
                if len(parts) == 3 and parts[2].isdigit() and int(parts[2]) < len(numbers):
                    n = numbers[int(parts[2])]
                    reasons = [_("Range %(n)s: %(reason)s") % {"n": n, "reason": reason} for reason in reasons]
                self.day_errors[key].extend(reasons)
            else:
                for reason in reasons:
                    self.add_error(None, reason)
        if any(self.day_errors.values()):
            self.add_error(None, _("Some days are not valid; see the marked days."))

    def day_rows(self) -> list[dict]:
        """What the template shows per weekday: its name, its fields and its errors."""
        return [
            {
                "key": key,
                "name": WEEKDAY_NAMES[index],
                "open": self[f"{key}_open"],
                "ranges": [
                    {"n": n, "opens": self[f"{key}_from{n}"], "closes": self[f"{key}_to{n}"]}
                    for n in range(1, RANGES_PER_DAY + 1)
                ],
                "errors": self.day_errors[key],
            }
            for index, key in enumerate(WEEKDAYS)
        ]


def schedule_has_more_ranges_than_the_page(schedule: dict) -> bool:
    """A schedule set through the API may have more ranges a day than the page edits."""
    return any(len(schedule.get(key, [])) > RANGES_PER_DAY for key in WEEKDAYS)

