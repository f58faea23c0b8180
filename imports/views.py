"""Configuraciones → Importación de datos: upload, column mapping with a preview, progress and
history. Owners and managers only. The progress is polled from static/imports/data_import.js."""

from django import forms
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from accounts.decorators import workspace_member_required
from contacts.custom_fields import custom_field_labels

from .csvfile import CsvFileError, field_labels
from .models import ContactImport, ImportMode
from .selectors import contact_import_get, contact_import_list
from .services import (
    ImportQueueUnavailable,
    ImportStateError,
    contact_import_create,
    contact_import_start,
    max_rows,
)
from .uploads import UploadTooLarge, limit_upload_size, max_upload_bytes

HISTORY_LIMIT = 50


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("CSV file"),
        allow_empty_file=True,  # the import explains what is wrong with an empty file
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv,text/plain"}),
    )


class MappingForm(forms.Form):
    """One select per column of the file, plus the mode."""

    mode = forms.ChoiceField(
        label=gettext_lazy("What to do"), choices=ImportMode.choices, widget=forms.RadioSelect,
        initial=ImportMode.ADD_AND_UPDATE,
    )

    def __init__(self, *args, contact_import: ContactImport, **kwargs):
        super().__init__(*args, **kwargs)
        self.contact_import = contact_import
        labels = field_labels(custom_field_labels(workspace=contact_import.workspace))
        choices = [("", _("— Do not import —"))] + list(labels.items())
        for index, header in enumerate(contact_import.headers):
            initial = contact_import.mapping[index] if index < len(contact_import.mapping) else ""
            self.fields[f"column_{index}"] = forms.ChoiceField(
                label=header or _("Column %(n)s") % {"n": index + 1}, choices=choices, required=False, initial=initial
            )
        self.fields["mode"].initial = contact_import.mode

    def column_fields(self):
        return [self[f"column_{index}"] for index in range(len(self.contact_import.headers))]

    def mapping(self) -> list[str]:
        return [self.cleaned_data.get(f"column_{index}") or "" for index in range(len(self.contact_import.headers))]


def _index(request, *, form=None, error: str = "", status: int = 200):
    return render(
        request,
        "imports/data_import.html",
        {
            "settings_section": "data-import",
            "form": form or UploadForm(),
            "error": error,
            "imports": list(contact_import_list(workspace=request.workspace, include_drafts=True)[:HISTORY_LIMIT]),
            "max_mb": max_upload_bytes() // (1024 * 1024),
            "max_rows": max_rows(),
            "status_labels": {value: str(label) for value, label in ContactImport.Status.choices},
        },
        status=status,
    )


@csrf_protect
def _upload(request):
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _index(request, form=form, status=400)
    try:
        contact_import = contact_import_create(
            workspace=request.workspace, uploaded_file=form.cleaned_data["file"], uploaded_by=request.user, start=False
        )
    except CsvFileError as exc:
        return _index(request, form=form, error=exc.message, status=400)
    return redirect("imports:data-import-detail", import_id=contact_import.pk)


# The CSRF check reads the multipart body, so the size limit must be in place before it runs:
# the view is exempted and checks CSRF itself (Django's documented pattern for upload handlers).
@csrf_exempt
@workspace_member_required(admin=True)
def data_import(request):
    if request.method == "POST":
        limit_upload_size(request)
        try:
            return _upload(request)
        except UploadTooLarge:
            message = _("The file is larger than %(max)s MB.") % {"max": max_upload_bytes() // (1024 * 1024)}
            return _index(request, error=message, status=400)
    return _index(request)


@workspace_member_required(admin=True)
def data_import_detail(request, import_id):
    contact_import = contact_import_get(workspace=request.workspace, import_id=import_id, include_drafts=True)
    if contact_import is None:
        raise Http404("no such import in this workspace")
    context = {"settings_section": "data-import", "import": contact_import,
               "status_labels": {value: str(label) for value, label in ContactImport.Status.choices}}
    if contact_import.status != ContactImport.Status.DRAFT:
        return render(request, "imports/data_import_detail.html", context)
    form = MappingForm(request.POST or None, contact_import=contact_import)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                contact_import_start(contact_import=contact_import, mapping=form.mapping(), mode=form.cleaned_data["mode"])
                return redirect("imports:data-import-detail", import_id=contact_import.pk)
            except ImportStateError as exc:
                form.add_error(None, exc.message)
            except ImportQueueUnavailable:
                # The import is now failed with the reason, which its page shows.
                return redirect("imports:data-import-detail", import_id=contact_import.pk)
        status = 400
    context.update({"form": form, "preview_rows": contact_import.preview_rows})
    return render(request, "imports/data_import_mapping.html", context, status=status)
