"""Forms of the customer pages: the list's filters, the profile, the consent."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from tenure.crm.accounts.models import Role, User
from tenure.crm.lib import bounds
from tenure.crm.lib.days import start_of_day
from tenure.crm.lib.parsing import ParsedField, parse_date, parse_email
from tenure.crm.lib.phone import InvalidPhone, normalize_phone
from tenure.crm.lib.search import Rare, customer_q

from . import duplicates, search_index, segments
from .models import Channel, ConsentSource, Customer, Tag

# The figures kept per customer (`stats`) that the list sorts by: sort key -> field.
FIGURE_SORTS = {"last_purchase": "last_purchase", "orders": "orders_count",
                "revenue": "revenue"}
# sort key -> ordering. By a figure, ties go by id in the same direction and who never
# bought (no figure) comes last either way, as `stats.SortedByFigure` reads the page
# through the figure's index.
SORTS = {
    "name": [F("name").asc(), F("id").asc()],
    "-name": [F("name").desc(), F("id").desc()],
    **{key: ordering for figure_key, field in FIGURE_SORTS.items() for key, ordering in (
        (f"-{figure_key}", [F(f"stats__{field}").desc(nulls_last=True), F("id").desc()]),
        (figure_key, [F(f"stats__{field}").asc(nulls_last=True), F("id").asc()]),
    )},
}
SORT_CHOICES = [
    ("name", _("Name, A to Z")),
    ("-name", _("Name, Z to A")),
    ("-last_purchase", _("Last purchase, newest first")),
    ("last_purchase", _("Last purchase, oldest first")),
    ("-orders", _("Most orders first")),
    ("orders", _("Fewest orders first")),
    ("-revenue", _("Highest revenue first")),
    ("revenue", _("Lowest revenue first")),
]


ABC_XYZ_CHOICES = [
    ("", _("Any ABC/XYZ class")),
    *[(f"{a}{x}", f"{a}{x}") for a in "ABC" for x in "XYZ"],
    ("new", _("New: too little history")),
]


def manager_choices() -> QuerySet:
    """Return the users a customer can be assigned to: active sales managers."""
    return User.objects.filter(is_active=True, groups__name=Role.SALES_MANAGER).order_by(
        "first_name", "last_name", "username"
    )


def consent_choices() -> list[tuple[str, str]]:
    """Return the consent filter's options: agrees or refuses, per channel."""
    options = [("", _("Any consent"))]
    for channel in Channel:
        options.append((channel.value, _("Agrees to %(channel)s") % {"channel": channel.label}))
        options.append(
            (f"-{channel.value}", _("Does not agree to %(channel)s") % {"channel": channel.label})
        )
    return options


class ManagerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.get_full_name() or obj.username


class CustomerFilterForm(forms.Form):
    """The customer list's search, filters and sort, read from the query string."""

    q = forms.CharField(required=False, label=_("Search"))
    manager = ManagerChoiceField(
        queryset=User.objects.none(), required=False, label=_("Manager"),
        empty_label=_("Any manager"),
    )
    city = forms.CharField(required=False, label=_("City"))
    tag = forms.ModelChoiceField(
        queryset=Tag.objects.all(), required=False, label=_("Tag"), empty_label=_("Any tag")
    )
    channel = forms.CharField(required=False, label=_("Acquisition channel"))
    consent = forms.ChoiceField(choices=consent_choices, required=False, label=_("Consent"))
    bought_within = forms.IntegerField(
        required=False, min_value=1, max_value=36500, label=_("Bought in the last N days")
    )
    no_purchase_since = bounds.BoundedDateField(
        required=False, label=_("No purchase since"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    segment = forms.ChoiceField(
        choices=lambda: [("", _("Any segment")), *segments.choices()], required=False,
        label=_("Segment")
    )
    abc_xyz = forms.ChoiceField(choices=ABC_XYZ_CHOICES, required=False, label=_("ABC/XYZ"))
    sort = forms.ChoiceField(choices=SORT_CHOICES, required=False, label=_("Sort"))

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        if user.sees_only_own_customers:
            del self.fields["manager"]
        else:
            self.fields["manager"].queryset = manager_choices()

    @property
    def is_filtered(self) -> bool:
        """Return whether any search or filter narrows the list."""
        data = getattr(self, "cleaned_data", {})
        return any(value not in (None, "") for key, value in data.items() if key != "sort")

    @property
    def is_searched(self) -> bool:
        """Return whether a search narrows the list (to few customers, as a rule)."""
        return self.is_valid() and bool(self.cleaned_data["q"])

    def sort_key(self) -> str:
        return getattr(self, "cleaned_data", {}).get("sort") or "name"

    def filter(self, customers: QuerySet) -> QuerySet:
        """Return ``customers`` narrowed by the valid filters."""
        if not self.is_valid():
            return customers
        data = self.cleaned_data
        if data["q"]:
            customers = customers.filter(search_q(data["q"]))
        if data.get("manager"):
            customers = customers.filter(manager=data["manager"])
        if data["city"]:
            customers = customers.filter(city=data["city"].strip())
        if data["tag"]:
            customers = customers.filter(tags=data["tag"])
        if data["channel"]:
            customers = customers.filter(acquisition_channel=data["channel"].strip())
        if data["consent"]:
            channel = data["consent"].lstrip("-")
            customers = customers.filter(**{f"consent_{channel}": data["consent"][0] != "-"})
        if data["bought_within"]:
            since = timezone.now() - timedelta(days=data["bought_within"])
            customers = customers.bought_since(since)
        if data["no_purchase_since"]:
            customers = customers.no_purchase_since(start_of_day(data["no_purchase_since"]))
        if data["segment"] or data["abc_xyz"]:
            customers = customers.filter(pk__in=self._snapshots(data).values("customer_id"))
        return customers

    @staticmethod
    def _snapshots(data: dict) -> QuerySet:
        """Return the latest snapshots in the chosen segment and ABC/XYZ class."""
        snapshots = segments.snapshots().of_latest_date()
        if data["segment"]:
            snapshots = snapshots.filter(segment=data["segment"])
        if data["abc_xyz"] == "new":
            snapshots = snapshots.filter(xyz="new")
        elif data["abc_xyz"]:
            snapshots = snapshots.filter(abc=data["abc_xyz"][0], xyz=data["abc_xyz"][1])
        return snapshots


def search_q(text: str) -> Rare:
    """Return `lib.search.customer_q` of ``text`` through the search index
    (`search_index.contains_all`), said to be rare to SQLite's planner."""
    return Rare(customer_q(text, contains=search_index.contains_all))


# Any one of these tells a customer apart from the others.
IDENTIFYING = ("name", "email", "phone")


class CustomerForm(forms.ModelForm):
    """The customer's profile, manager, tags and notes.

    The email, phone and dates are read by the importer's rules (``lib.parsing``,
    ``lib.phone``), so the form refuses what a file refuses, with the same reason.
    """

    manager = ManagerChoiceField(
        queryset=User.objects.none(), required=False, label=_("Manager"),
        empty_label=_("Nobody"),
    )
    email = ParsedField(parse_email, required=False, label=_("Email"), limit=None,
                        widget=forms.EmailInput)
    birth_date = ParsedField(parse_date, required=False, label=_("Birth date"),
                             widget=forms.DateInput(attrs={"type": "date"}))
    acquired_on = ParsedField(parse_date, required=False, label=_("Acquired on"),
                              widget=forms.DateInput(attrs={"type": "date"}))

    class Meta:
        model = Customer
        fields = [
            "name", "email", "phone", "birth_date", "gender", "city",
            "acquisition_channel", "acquired_on", "manager", "tags", "language", "time_zone",
            "notes",
        ]
        field_classes = {"tags": bounds.BoundedModelMultipleChoiceField}
        widgets = {
            "tags": forms.CheckboxSelectMultiple,
            "notes": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if user.sees_only_own_customers:
            # A sales manager works their own portfolio and cannot hand customers over.
            del self.fields["manager"]
        else:
            self.fields["manager"].queryset = manager_choices()

    def save(self, commit: bool = True) -> Customer:
        """Save the customer; a change of manager is recorded as made by the user."""
        customer = super().save(commit=False)
        if commit:
            with transaction.atomic():
                customer.save(assigned_by=self.user)
                self._save_m2m()
        return customer

    def omitted_fields(self) -> list[str]:
        """Return the fields a browser always sends that the submission lacks.

        An empty value is a choice; an absent one is a request that did not come from
        this form, and saving it would blank the customer's record.
        """
        return [
            name for name, field in self.fields.items()
            if field.widget.value_omitted_from_data(self.data, self.files, self.add_prefix(name))
        ]

    def clean(self):
        data = super().clean()
        omitted = self.omitted_fields()
        if omitted:
            raise forms.ValidationError(
                _("The form arrived incomplete (no %(fields)s); nothing was saved. Reload the "
                  "page and try again.") % {
                    "fields": ", ".join(str(self.fields[name].label) for name in omitted)},
                code="incomplete")
        if not any(data.get(name) for name in IDENTIFYING) and not self._identifying_errors():
            raise forms.ValidationError(
                _("Give the customer a name, an email or a phone, so that they can be told "
                  "apart."), code="unidentified")
        return data

    def _identifying_errors(self) -> bool:
        """Return whether an identifying field already has its own error."""
        return any(name in self.errors for name in IDENTIFYING)

    def clean_email(self) -> str:
        return self.cleaned_data["email"] or ""

    def clean_phone(self) -> str:
        text = self.cleaned_data["phone"]
        if self.instance.pk and text == self.instance.phone:
            return text  # a number stored before the check stays until someone changes it
        try:
            return normalize_phone(text)
        except InvalidPhone as exc:
            raise forms.ValidationError(capfirst(str(exc)), code="invalid") from None


class ConsentForm(forms.Form):
    """The customer's consent on every channel, with how it was given and the words agreed to.

    Each change is recorded as evidence (``Customer.set_consent``); a grant without
    its own wording records the standard words in the customer's language.
    """

    source = forms.ChoiceField(label=_("How the customer told us"))
    wording = forms.CharField(
        label=_("The words the customer agreed to"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Leave empty for the standard wording of each channel."),
    )

    def __init__(self, *args, customer: Customer, **kwargs):
        # Its own ids: it shares the page with the profile form's email and phone.
        kwargs.setdefault("auto_id", "consent_%s")
        super().__init__(*args, **kwargs)
        self.customer = customer
        self.fields["source"].choices = [("", "—"), *(
            (source.value, source.label) for source in ConsentSource.granting())]
        for channel in Channel:
            self.fields[channel.value] = forms.BooleanField(
                required=False, label=channel.label, initial=customer.consent(channel)
            )

    def channels(self):
        """Return the bound check box of every channel."""
        return [self[channel.value] for channel in Channel]

    def evidence(self):
        """Return the bound fields saying how the consent was given."""
        return [self["source"], self["wording"]]

    def standard_wording(self) -> list[tuple[str, str]]:
        """Return each channel's standard words of consent, in the customer's language."""
        return [(channel.label, self.customer.standard_consent_wording(channel))
                for channel in Channel]

    def save(self, user: User) -> int:
        """Record the changed channels and return how many changed."""
        data = self.cleaned_data
        wording = data["wording"].strip() or None
        changes = [
            self.customer.set_consent(channel, data[channel.value], source=data["source"],
                                      wording=wording if data[channel.value] else "", by=user)
            for channel in Channel
        ]
        return sum(change is not None for change in changes)


class NewCustomerForm(CustomerForm):
    """A new customer's profile: the edit form's rules, and a stop when the email or the
    phone already belongs to a customer, until the user confirms it is someone else."""

    DUPLICATES_SHOWN = 5

    def __init__(self, *args, user: User, confirmed: bool = False, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.confirmed = confirmed
        self.duplicates: list[Customer] = []

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        same = duplicates.sharing_contacts(data.get("email") or "", data.get("phone") or "")
        self.duplicates = list(same[:self.DUPLICATES_SHOWN])
        if self.duplicates and not self.confirmed:
            raise forms.ValidationError(
                _("This email or phone already belongs to a customer. Open them instead, or "
                  "create the new customer anyway if they are someone else."),
                code="duplicate")
        return data
