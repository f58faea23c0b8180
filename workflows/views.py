"""Flujos pages (owners and managers; agents get 403). Thin: forms validate, services write."""

import json

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.decorators import workspace_member_required
from accounts.selectors import member_list

from .forms import WorkflowForm
from .selectors import team_list, workflow_get, workflow_list_with_stats
from .services import (
    TEMPLATE_KEYS,
    workflow_create,
    workflow_create_from_template,
    workflow_delete,
    workflow_enabled_set,
    workflow_update,
)
from .steps import StepsInvalid, step_describe
from .triggers import broadcast_options


def _workflow_or_404(request, workflow_id):
    workflow = workflow_get(workspace=request.workspace, workflow_id=workflow_id)
    if workflow is None:
        raise Http404("no such workflow in this workspace")
    return workflow


def _templates() -> list[dict]:
    # The seed's "Ejemplos de Flujos" offered here (labels in templates/workflows/list.html).
    return [{"key": key} for key in TEMPLATE_KEYS]


@workspace_member_required(admin=True)
def workflow_list_page(request):
    workspace = request.workspace
    teams = {t.pk: t.name for t in team_list(workspace=workspace)}
    users = {m.user_id: m.user.display_name for m in member_list(workspace=workspace)}
    workflows = [
        {"workflow": w, "steps": [step_describe(step, users=users, teams=teams) for step in w.steps]}
        for w in workflow_list_with_stats(workspace=workspace)
    ]
    return render(request, "workflows/list.html", {"workflows": workflows, "templates": _templates()})


def _editor(request, *, workflow=None):
    workspace = request.workspace
    step_errors: dict = {}
    if request.method == "POST":
        form = WorkflowForm(request.POST, broadcasts=broadcast_options(workspace))
        if form.is_valid():
            data = form.cleaned_data
            try:
                if workflow is None:
                    workflow = workflow_create(
                        workspace=workspace, name=data["name"], trigger=data["trigger"], enabled=data["enabled"],
                        steps=data["steps"], created_by=request.user, trigger_broadcast_id=data["broadcast"],
                    )
                    messages.success(request, _("Workflow created."))
                else:
                    workflow_update(
                        workflow=workflow, name=data["name"], trigger=data["trigger"], enabled=data["enabled"],
                        steps=data["steps"], trigger_broadcast_id=data["broadcast"],
                    )
                    messages.success(request, _("Workflow saved."))
                return redirect("workflows:list")
            except StepsInvalid as exc:
                if "broadcast" in exc.errors:
                    form.add_error("broadcast", exc.errors["broadcast"])
                else:
                    step_errors = exc.errors
                    form.add_error("steps", _("Some steps are not valid; see the marked fields."))
    elif workflow is not None:
        form = WorkflowForm(broadcasts=broadcast_options(workspace), initial={
            "name": workflow.name, "trigger": workflow.trigger, "enabled": workflow.enabled,
            "broadcast": workflow.trigger_broadcast_id,
            "steps": json.dumps(workflow.steps, ensure_ascii=False),
        })
    else:
        form = WorkflowForm(broadcasts=broadcast_options(workspace), initial={"steps": "[]"})
    context = {
        "form": form,
        "workflow": workflow,
        "members": member_list(workspace=workspace),
        "teams": team_list(workspace=workspace),
        "step_errors": step_errors,
        # Errors a browser without JavaScript can read next to the JSON.
        "step_error_lines": [f"{field}: {'; '.join(reasons)}" for field, reasons in step_errors.items()],
    }
    return render(request, "workflows/edit.html", context)


@workspace_member_required(admin=True)
@require_http_methods(["GET", "POST"])
def workflow_create_page(request):
    return _editor(request)


@workspace_member_required(admin=True)
@require_http_methods(["GET", "POST"])
def workflow_edit_page(request, workflow_id):
    return _editor(request, workflow=_workflow_or_404(request, workflow_id))


@workspace_member_required(admin=True)
@require_POST
def workflow_toggle(request, workflow_id):
    workflow = _workflow_or_404(request, workflow_id)
    # An explicit target state, so a double submit does not flip it back.
    enabled = request.POST.get("enabled") == "true"
    workflow_enabled_set(workflow=workflow, enabled=enabled)
    if enabled:
        messages.success(request, _("“%(name)s” is enabled.") % {"name": workflow.name})
    else:
        messages.success(request, _("“%(name)s” is disabled.") % {"name": workflow.name})
    return redirect("workflows:list")


@workspace_member_required(admin=True)
@require_http_methods(["GET", "POST"])
def workflow_delete_page(request, workflow_id):
    workflow = _workflow_or_404(request, workflow_id)
    if request.method == "POST":
        name = workflow.name
        workflow_delete(workflow=workflow)
        messages.success(request, _("“%(name)s” was deleted.") % {"name": name})
        return redirect("workflows:list")
    return render(request, "workflows/delete.html", {"workflow": workflow})


@workspace_member_required(admin=True)
@require_POST
def workflow_template_use(request, key):
    if key not in TEMPLATE_KEYS:
        raise Http404("no such template")
    workflow = workflow_create_from_template(workspace=request.workspace, key=key, created_by=request.user)
    messages.success(request, _("Draft created from the template. Review it and enable it when ready."))
    return redirect("workflows:edit", workflow_id=workflow.pk)
