"""The order list's filters, and the form of an order with its lines."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django import forms
from django.core.validators import ProhibitNullCharactersValidator
from django.db.models import Q
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tenure.crm.catalog.models import Product
from tenure.crm.lib import bounds
from tenure.crm.lib.days import start_of_day
from tenure.crm.lib.parsing import (
    MONEY_LIMIT,
    ParsedField,
    parse_currency,
    parse_datetime,
    parse_money,
    parse_quantity,
)
from tenure.crm.lib.search import customer_q

from .models import Order, OrderLine, OrderStatus


class OrderFilterForm(forms.Form):
    """The order list's search and filters, read from the query string."""

    q = forms.CharField(required=False, label=_("Search"))
    status = forms.ChoiceField(
        choices=[("", _("Any status")), *OrderStatus.choices], required=False, label=_("Status")
    )
    channel = forms.CharField(required=False, label=_("Channel"))
    store = forms.CharField(required=False, label=_("Store"))
    date_from = bounds.BoundedDateField(
        required=False, label=_("From"), widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = bounds.BoundedDateField(
        required=False, label=_("To"), widget=forms.DateInput(attrs={"type": "date"})
    )
    customer = forms.IntegerField(required=False, min_value=1, max_value=bounds.MAX_ID,
                                  widget=forms.HiddenInput)

    EXACT = {"status": "status", "channel": "channel", "store": "store", "customer": "customer_id"}

    def filter(self, orders):
        """Return ``orders`` narrowed by the valid filters."""
        if not self.is_valid():
            return orders
        data = self.cleaned_data
        if data["q"]:
            text = data["q"].strip()
            # The order's number, or its customer as the customer list finds them.
            orders = orders.filter(Q(external_id=text) | customer_q(text, "customer__"))
        for field, lookup in self.EXACT.items():
            if data[field]:
                orders = orders.filter(**{lookup: data[field]})
        if data["date_from"]:
            orders = orders.filter(ordered_at__gte=start_of_day(data["date_from"]))
        if data["date_to"]:
            orders = orders.filter(ordered_at__lt=start_of_day(data["date_to"] + timedelta(1)))
        return orders

    @property
    def is_filtered(self) -> bool:
        return any(v not in (None, "") for v in getattr(self, "cleaned_data", {}).values())


class OrderForm(forms.ModelForm):
    """An order's header, read by the importer's rules (``lib.parsing``): a time within the
    bounds, an ISO currency code, a number unique in the order's source."""

    ordered_at = ParsedField(
        parse_datetime, label=_("Ordered at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    external_id = forms.CharField(
        label=_("Order number"), required=False, max_length=64,
        help_text=_("Leave empty to have one given."))
    currency = ParsedField(parse_currency, label=_("Currency"),
                           widget=forms.TextInput(attrs={"size": 4}))

    class Meta:
        model = Order
        fields = ["ordered_at", "external_id", "status", "channel", "store", "currency"]

    def clean_external_id(self) -> str:
        number = self.cleaned_data["external_id"].strip()
        taken = Order.objects.filter(source=self.instance.source, external_id=number)
        if number and taken.exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(_("Another order already has this number."),
                                        code="taken")
        return number


SKU_LENGTH = Product._meta.get_field("sku").max_length


class SkuField(forms.CharField):
    """A product of the catalogue named by its SKU, as a file names it."""

    def to_python(self, value):
        sku = super().to_python(value)
        if sku in self.empty_values:
            return None
        # Checked before the look-up (validators would see the product found): PostgreSQL
        # refuses a NUL byte in a query.
        ProhibitNullCharactersValidator()(sku)
        product = None if len(sku) > SKU_LENGTH else Product.objects.filter(sku=sku).first()
        if product is None:
            raise forms.ValidationError(capfirst(gettext("unknown product")), code="unknown")
        return product

    def prepare_value(self, value):
        if isinstance(value, int):  # the stored product's key, as the instance gives it
            return Product.objects.filter(pk=value).values_list("sku", flat=True).first()
        return value.sku if isinstance(value, Product) else value


class OrderLineForm(forms.ModelForm):
    """One line: a product, a quantity above zero, its unit price (the catalogue's when left
    empty) and a discount, read by the importer's rules."""

    product = SkuField(label=_("Product (SKU)"),
                       widget=forms.TextInput(attrs={"list": "products"}))
    quantity = ParsedField(parse_quantity, label=_("Quantity"),
                           widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    price = ParsedField(parse_money, label=_("Unit price"), required=False,
                        widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    discount = ParsedField(parse_money, label=_("Discount"), required=False,
                           widget=forms.TextInput(attrs={"inputmode": "decimal"}))

    class Meta:
        model = OrderLine
        fields = ["product", "quantity", "price", "discount"]

    def clean_quantity(self):
        quantity = self.cleaned_data["quantity"]
        if quantity is not None and quantity <= 0:
            raise forms.ValidationError(_("Quantity must be above zero."), code="min_value")
        return quantity

    def clean_discount(self):
        return self.cleaned_data["discount"] or Decimal("0")

    def clean(self):
        data = super().clean()
        product = data.get("product")
        if "price" in data and data["price"] is None:
            if product is not None and product.price is not None:
                data["price"] = product.price
            elif product is not None:
                self.add_error("price", _("The catalogue has no price for this product; "
                                          "enter one."))
        return data


class BaseLineFormSet(forms.BaseInlineFormSet):
    """The order's lines: at least one, and a total that fits the money fields."""

    def kept_lines(self) -> list[OrderLine]:
        """Return the lines filled in and not marked for removal, in the form's order."""
        return [form.instance for form in self.forms
                if (form.instance.pk or form.has_changed()) and not self._should_delete_form(form)
                and form.cleaned_data]

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        lines = self.kept_lines()
        if not lines:
            raise forms.ValidationError(_("Add at least one line."), code="no_lines")
        total, discount, _cost = Order.totals_of(
            (line.quantity, line.price, line.discount, None) for line in lines)
        if abs(total) >= MONEY_LIMIT or abs(discount) >= MONEY_LIMIT:
            raise forms.ValidationError(capfirst(gettext("amount too large")), code="too_large")


LineFormSet = forms.inlineformset_factory(
    Order, OrderLine, form=OrderLineForm, formset=BaseLineFormSet, extra=2, can_delete=True,
    max_num=100, absolute_max=100, validate_max=True,
)
