"""Configuraciones → Fuera de Horario (owners and managers; agents get 403). Thin: the form
reads the page, ``business_hours_set`` judges and writes."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.decorators import workspace_member_required

from .forms import SUGGESTED, BusinessHoursForm, schedule_has_more_ranges_than_the_page
from .schedule import ScheduleInvalid
from .selectors import business_hours_get
from .services import business_hours_set


@workspace_member_required(admin=True)
@require_http_methods(["GET", "POST"])
def business_hours_settings(request):
    workspace = request.workspace
    current = business_hours_get(workspace=workspace)
    stored = current.schedule.to_json()
    if request.method == "POST":
        form = BusinessHoursForm(request.POST)
        if form.is_valid():
            try:
                business_hours_set(
                    workspace=workspace, enabled=form.cleaned_data["enabled"],
                    schedule=form.cleaned_data["schedule"], updated_by=request.user,
                )
            except ScheduleInvalid as exc:
                form.add_service_errors(exc.errors)
            else:
                messages.success(request, _("Business hours saved."))
                return redirect("business_hours:settings")
    else:
        # Never set up: suggest Monday to Friday 09:00–18:00, still off until saved on.
        never_set = not current.enabled and current.schedule.is_closed_all_week
        form = BusinessHoursForm(initial=BusinessHoursForm.initial_for(
            enabled=current.enabled, schedule=SUGGESTED if never_set else stored,
        ))
    return render(request, "business_hours/settings.html", {
        "form": form,
        "days": form.day_rows(),
        "timezone": workspace.timezone,
        "more_ranges_than_the_page": schedule_has_more_ranges_than_the_page(stored),
        "settings_section": "business-hours",
    })
