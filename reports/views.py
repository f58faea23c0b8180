from django.shortcuts import redirect, render

from accounts.decorators import workspace_member_required


@workspace_member_required
def report_index(request):
    return redirect("reports:assignments")


@workspace_member_required
def assignments_page(request):
    # Placeholder until the report page lands.
    return render(request, "reports/assignments.html", {})
