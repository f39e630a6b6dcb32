"""Forms of the upload page: the file and its kind, then the column mapping."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .mapping import fields_for
from .models import ImportKind

MAX_UPLOAD = 200 * 1024 * 1024


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("What the file holds"), choices=ImportKind.choices)
    file = forms.FileField(label=_("File (CSV, XLSX or Parquet)"))
    source = forms.SlugField(
        label=_("Source"), max_length=32, initial="import",
        help_text=_("Where the records come from; external ids are unique per source."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD:
            raise forms.ValidationError(_("The file is larger than 200 MB."))
        return upload


class MappingForm(forms.Form):
    """One select per file column, holding the field the column maps to ("" ignores it)."""

    def __init__(self, *args, kind: str, headers: list[str], initial_mapping: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.headers = headers
        choices = [("", _("— ignore —")), *((f, f) for f in fields_for(kind))]
        for index, header in enumerate(headers):
            self.fields[f"col{index}"] = forms.ChoiceField(
                label=header, choices=choices, required=False,
                initial=initial_mapping.get(header, ""),
            )

    def clean(self):
        chosen: dict[str, str] = {}
        for index, header in enumerate(self.headers):
            field = self.cleaned_data.get(f"col{index}")
            if field and field in chosen:
                raise forms.ValidationError(
                    _("Columns “%(first)s” and “%(second)s” both map to %(field)s.")
                    % {"first": chosen[field], "second": header, "field": field}
                )
            if field:
                chosen[field] = header
        return self.cleaned_data

    def mapping(self) -> dict[str, str]:
        """Return {header: field} for every column, "" for the ignored ones."""
        return {h: self.cleaned_data.get(f"col{i}") or "" for i, h in enumerate(self.headers)}

    def columns(self):
        """Return (header, bound select) per column, in file order."""
        return [(h, self[f"col{i}"]) for i, h in enumerate(self.headers)]
