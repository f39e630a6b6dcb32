"""Forms of the upload page: the file and its kind, then the column mapping."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from tenure.crm.customers.models import ConsentSource

from .loaders.customers import consent_evidence
from .mapping import field_label, fields_for
from .models import ImportKind
from .permissions import allowed_kinds

MAX_UPLOAD = 200 * 1024 * 1024


class UploadForm(forms.Form):
    """The file, what it holds (among the kinds the user may import) and where it comes from;
    for customers who agreed to be contacted, how they agreed."""

    kind = forms.ChoiceField(
        label=_("What the file holds"),
        error_messages={"invalid_choice": _("You may not import this kind of data.")},
    )
    file = forms.FileField(label=_("File (CSV, XLSX or Parquet)"))
    source = forms.SlugField(
        label=_("Source"), max_length=32, initial="import",
        help_text=_("Where the records come from; external ids are unique per source."),
    )
    consent_source = forms.ChoiceField(
        label=_("How the customers gave their consent"), required=False,
        help_text=_("Needed when the file grants consent; withdrawals need nothing."),
    )
    consent_wording = forms.CharField(
        label=_("The words the customers agreed to"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        kinds = allowed_kinds(user)
        self.fields["kind"].choices = [(k, label) for k, label in ImportKind.choices
                                       if k in kinds]
        if ImportKind.CUSTOMERS in kinds and user.has_perm("customers.add_consentchange"):
            self.fields["consent_source"].choices = [("", "—"), *(
                (source.value, source.label) for source in ConsentSource.granting())]
        else:
            del self.fields["consent_source"], self.fields["consent_wording"]

    def consent_fields(self):
        """Return the bound consent fields, when the user may import consent."""
        return [self[name] for name in ("consent_source", "consent_wording")
                if name in self.fields]

    def clean(self):
        data = super().clean()
        if "consent_source" in self.fields and data.get("kind"):
            try:
                consent_evidence(data["kind"], data.get("consent_source", ""),
                                 data.get("consent_wording", ""))
            except ValueError as exc:
                raise forms.ValidationError(str(exc)) from None
        return data

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
        choices = [("", _("— ignore —")), *((f, field_label(f)) for f in fields_for(kind))]
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
                    % {"first": chosen[field], "second": header, "field": field_label(field)}
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
