from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _


def home(request):
    if request.user.is_authenticated:
        return redirect("reports:assignments")
    return redirect("accounts:login")


def _wants_json(request) -> bool:
    return request.path.startswith("/api/")


def not_found(request, exception=None):
    if _wants_json(request):
        return JsonResponse({"message": _("Not found."), "errors": {}}, status=404)
    return render(request, "404.html", status=404)


def server_error(request):
    if _wants_json(request):
        return JsonResponse({"message": _("Internal error. It has been logged."), "errors": {}}, status=500)
    return render(request, "500.html", status=500)
