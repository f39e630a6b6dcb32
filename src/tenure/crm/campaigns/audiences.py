"""Audiences: the customer list's filters, and those a campaign needs beside them.

An audience is a query string of `AudienceFilterForm`, so a saved view of the customer
list opens as an audience as it is, and an audience opens as the customer list.
"""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tenure.crm.accounts.models import User
from tenure.crm.catalog.models import Category
from tenure.crm.customers.access import customers_for_user
from tenure.crm.customers.forms import CustomerFilterForm, manager_choices
from tenure.crm.customers.models import Customer
from tenure.crm.engagement.models import OPEN_STATUSES, Complaint
from tenure.crm.feedback.models import Answer
from tenure.crm.insights.models import CustomerSnapshot
from tenure.crm.sales.models import OrderLine

from .models import Audience

# How far back a survey answer counts for the audience's "answered" filter.
ANSWER_DAYS = 365
YES_NO = [("", _("Either")), ("yes", _("Yes")), ("no", _("No"))]
ANSWERS = [
    ("", _("Any or none")),
    ("detractor", _("Detractor (NPS 0-6)")),
    ("passive", _("Passive (NPS 7-8)")),
    ("promoter", _("Promoter (NPS 9-10)")),
    ("none", _("No answer")),
]
NPS_BANDS = {"detractor": (0, 6), "passive": (7, 8), "promoter": (9, 10)}


class AudienceFilterForm(CustomerFilterForm):
    """The customer list's filters plus behaviour, analytics and language."""

    language = forms.ChoiceField(
        choices=[("", _("Any language")), *settings.LANGUAGES], required=False,
        label=_("Language"))
    has_birth_date = forms.ChoiceField(choices=YES_NO, required=False,
                                       label=_("Birth date known"))
    orders_min = forms.IntegerField(required=False, min_value=0, max_value=1_000_000,
                                    label=_("At least N orders"))
    orders_max = forms.IntegerField(required=False, min_value=0, max_value=1_000_000,
                                    label=_("At most N orders"))
    revenue_min = forms.DecimalField(required=False, min_value=0, max_value=10 ** 12,
                                     decimal_places=2, label=_("Revenue at least"))
    category = forms.ModelChoiceField(queryset=Category.objects.all(), required=False,
                                      label=_("Bought in category"),
                                      empty_label=_("Any category"))
    open_complaint = forms.ChoiceField(choices=YES_NO, required=False,
                                       label=_("Has an open complaint"))
    answer = forms.ChoiceField(choices=ANSWERS, required=False,
                               label=_("Survey answer, last 12 months"))
    clv_min = forms.DecimalField(required=False, min_value=0, max_value=10 ** 12,
                                 decimal_places=2, label=_("CLV at least"))
    churn_risk_min = forms.FloatField(required=False, min_value=0, max_value=1,
                                      label=_("Churn risk at least (0-1)"))
    p_alive_max = forms.FloatField(required=False, min_value=0, max_value=1,
                                   label=_("Chance still a customer at most (0-1)"))

    def __init__(self, *args, user: User | None = None, **kwargs):
        # A campaign runs without a user: its audience is every customer it matches.
        forms.Form.__init__(self, *args, **kwargs)
        if user is not None and user.sees_only_own_customers:
            del self.fields["manager"]
        else:
            self.fields["manager"].queryset = manager_choices()
        del self.fields["sort"]

    def filter(self, customers: QuerySet) -> QuerySet:
        customers = super().filter(customers)
        if not self.is_valid():
            return customers
        data = self.cleaned_data
        if data["language"]:
            default = data["language"] == settings.LANGUAGE_CODE
            customers = customers.filter(
                Q(language=data["language"]) | (Q(language="") if default else Q(pk__in=[])))
        if data["has_birth_date"]:
            customers = customers.filter(birth_date__isnull=data["has_birth_date"] == "no")
        if data["orders_min"] is not None:
            customers = (customers.filter(stats__orders_count__gte=data["orders_min"])
                         if data["orders_min"] > 0 else customers)
        if data["orders_max"] is not None:
            customers = customers.filter(Q(stats__orders_count__lte=data["orders_max"])
                                         | Q(stats__isnull=True))
        if data["revenue_min"] is not None:
            customers = customers.filter(stats__revenue__gte=data["revenue_min"])
        if data["category"]:
            bought = OrderLine.objects.filter(
                order__customer=OuterRef("pk"),
                product__category__in=category_and_below(data["category"]))
            customers = customers.filter(Exists(bought))
        if data["open_complaint"]:
            open_ = Exists(Complaint.objects.filter(customer=OuterRef("pk"),
                                                    status__in=OPEN_STATUSES))
            customers = customers.filter(open_ if data["open_complaint"] == "yes" else ~open_)
        if data["answer"]:
            customers = self._answered(customers, data["answer"])
        scores = {key: data[key] for key in ("clv_min", "churn_risk_min", "p_alive_max")
                  if data[key] is not None}
        if scores:
            snapshots = CustomerSnapshot.objects.of_latest_date()
            if "clv_min" in scores:
                snapshots = snapshots.filter(clv__gte=scores["clv_min"])
            if "churn_risk_min" in scores:
                snapshots = snapshots.filter(churn_risk__gte=scores["churn_risk_min"])
            if "p_alive_max" in scores:
                snapshots = snapshots.filter(p_alive__lte=scores["p_alive_max"])
            customers = customers.filter(pk__in=snapshots.values("customer_id"))
        return customers

    @staticmethod
    def _answered(customers: QuerySet, answer: str) -> QuerySet:
        since = timezone.now() - timedelta(days=ANSWER_DAYS)
        answers = Answer.objects.filter(customer=OuterRef("pk"), kind="nps",
                                        answered_at__gte=since)
        if answer == "none":
            return customers.filter(~Exists(answers))
        low, high = NPS_BANDS[answer]
        return customers.filter(Exists(answers.filter(score__gte=low, score__lte=high)))


def category_and_below(category: Category) -> list[int]:
    """Return the ids of ``category`` and of every category under it."""
    children: dict[int | None, list[int]] = {}
    for pk, parent in Category.objects.values_list("pk", "parent_id"):
        children.setdefault(parent, []).append(pk)
    found, todo = [], [category.pk]
    while todo:
        pk = todo.pop()
        found.append(pk)
        todo.extend(children.get(pk, []))
    return found


def filter_form(query: str, user: User | None = None) -> AudienceFilterForm:
    """Return the bound filter form of an audience's query string."""
    return AudienceFilterForm(QueryDict(query), user=user)


def members(audience: Audience | None, *, user: User | None = None,
            _seen: frozenset = frozenset()) -> QuerySet:
    """Return the customers of ``audience`` now (every customer when None), of those
    ``user`` may see when given.

    An audience that excludes another leaves out that one's members (a loop of
    exclusions stops where it repeats).
    """
    customers = Customer.objects.all() if user is None else customers_for_user(user)
    if audience is None:
        return customers
    customers = filter_form(audience.query, user).filter(customers)
    seen = _seen | {audience.pk}
    if audience.exclude_id and audience.exclude_id not in seen:
        excluded = members(audience.exclude, _seen=seen)
        customers = customers.exclude(pk__in=excluded.values("pk"))
    return customers
