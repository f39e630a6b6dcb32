"""Orders, their lines, and returns.

An order is a purchase event. A return is its own record linked to the
original order; it reduces revenue but is not an order (DESIGN.md).
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.db import models, transaction
from django.db.models import Case, Count, DecimalField, OuterRef, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tenure.crm.lib.money import CENT, currency_field, money_field


class OrderStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    PAID = "paid", _("Paid")
    SHIPPED = "shipped", _("Shipped")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")
    PARTIALLY_RETURNED = "partially_returned", _("Partially returned")
    RETURNED = "returned", _("Returned")


class OrderQuerySet(models.QuerySet):
    def with_returns(self) -> OrderQuerySet:
        """Annotate returns_count, returned (amount refunded) and net (0 when cancelled)."""
        money = DecimalField(max_digits=14, decimal_places=2)
        zero = Value(Decimal("0"), output_field=money)
        returns = Return.objects.filter(order=OuterRef("pk")).order_by().values("order")
        returned = Coalesce(Subquery(returns.annotate(s=Sum("amount")).values("s")), zero)
        return self.annotate(
            returns_count=Coalesce(Subquery(returns.annotate(n=Count("pk")).values("n")), 0),
            returned=returned,
            net=Case(
                When(status=OrderStatus.CANCELLED, then=zero),
                default=models.F("total") - returned, output_field=money,
            ),
        )


class Order(models.Model):
    source = models.CharField(_("source"), max_length=32, default="manual")
    external_id = models.CharField(_("external id"), max_length=64)
    customer = models.ForeignKey(
        "customers.Customer", models.PROTECT, related_name="orders", verbose_name=_("customer")
    )
    ordered_at = models.DateTimeField(_("ordered at"))
    channel = models.CharField(_("channel"), max_length=64, blank=True)
    store = models.CharField(_("store"), max_length=100, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=OrderStatus.choices, default=OrderStatus.COMPLETED
    )
    currency = currency_field()
    total = money_field(_("total"), help_text=_("Amount paid, after discounts."))
    discount = money_field(_("discount"), default=Decimal("0"))
    cost = money_field(_("cost"), null=True, blank=True)
    # The campaign coupon the customer paid with; the campaigns app records its redemption.
    coupon_code = models.CharField(_("coupon"), max_length=32, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = OrderQuerySet.as_manager()

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-ordered_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"], name="order_external_id_unique_per_source"
            )
        ]
        indexes = [
            # The customer page lists a customer's orders newest first.
            models.Index(fields=["customer", "-ordered_at"], name="order_customer_time_idx"),
            # Covers the customer list's sort by orders, revenue and last purchase: the
            # per-customer aggregates read this index only, never the table.
            models.Index(
                fields=["customer", "status", "ordered_at", "total"],
                name="order_customer_stats_idx",
            ),
            models.Index(fields=["-ordered_at"], name="order_time_idx"),
            # Search finds an order by its number in any source: the unique index leads
            # with source.
            models.Index(fields=["external_id"], name="order_external_id_idx"),
            models.Index(fields=["status", "-ordered_at"], name="order_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{_('Order')} {self.external_id}"

    def get_absolute_url(self) -> str:
        return reverse("sales:order", args=[self.pk])

    @property
    def margin(self) -> Decimal | None:
        """Return total minus cost, or None when the cost is unknown."""
        return None if self.cost is None else self.total - self.cost

    @property
    def counts_as_purchase(self) -> bool:
        return self.status != OrderStatus.CANCELLED

    @staticmethod
    def totals_of(lines) -> tuple[Decimal, Decimal, Decimal | None]:
        """Return the total, discount and cost of lines given as (quantity, price, discount,
        cost): the total paid is the sum of quantity x price - discount, rounded to cents
        once; the cost is None unless some line knows its cost."""
        total = discount = Decimal("0")
        costs = []
        for quantity, price, line_discount, cost in lines:
            total += quantity * price - line_discount
            discount += line_discount
            if cost is not None:
                costs.append(cost)
        return total.quantize(CENT), discount, (sum(costs, Decimal("0")) if costs else None)

    @transaction.atomic
    def save_with_lines(self, lines: list[OrderLine]) -> None:
        """Save the order with ``lines`` (replacing the lines it had), numbered in order, its
        total, discount and cost derived from them (``totals_of``), all or nothing."""
        self.total, self.discount, self.cost = self.totals_of(
            (line.quantity, line.price, line.discount, line.cost) for line in lines)
        if not self.external_id:
            # Unique without a round trip; a person who wants a number types it.
            self.external_id = uuid.uuid4().hex[:12].upper()
        self.save()
        self.lines.all().delete()
        for number, line in enumerate(lines, 1):
            line.pk, line.order, line.line_no = None, self, number
        OrderLine.objects.bulk_create(lines)

    def returned_amount(self) -> Decimal:
        return self.returns.aggregate(s=Sum("amount"))["s"] or Decimal("0")

    def net_total(self) -> Decimal:
        """Return the revenue the order brought after its returns (0 when cancelled)."""
        if not self.counts_as_purchase:
            return Decimal("0")
        return self.total - self.returned_amount()


class OrderLine(models.Model):
    order = models.ForeignKey(Order, models.CASCADE, related_name="lines", verbose_name=_("order"))
    line_no = models.PositiveIntegerField(_("line"))
    product = models.ForeignKey(
        "catalog.Product", models.PROTECT, related_name="order_lines", verbose_name=_("product")
    )
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=3)
    price = money_field(_("price"))
    discount = money_field(_("discount"), default=Decimal("0"))
    cost = money_field(_("cost"), null=True, blank=True)

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        ordering = ["order", "line_no"]
        constraints = [
            models.UniqueConstraint(fields=["order", "line_no"], name="order_line_unique"),
            models.CheckConstraint(
                condition=models.Q(quantity__gt=0), name="order_line_quantity_positive"
            ),
        ]
        indexes = [models.Index(fields=["product"], name="order_line_product_idx")]

    def __str__(self) -> str:
        return f"{self.order.external_id}/{self.line_no}"

    @property
    def amount(self) -> Decimal:
        return (self.quantity * self.price - self.discount).quantize(CENT)


class Return(models.Model):
    """Goods brought back: linked to the order they were bought in."""

    source = models.CharField(_("source"), max_length=32, default="manual")
    external_id = models.CharField(_("external id"), max_length=64)
    order = models.ForeignKey(
        Order, models.CASCADE, related_name="returns", verbose_name=_("original order")
    )
    returned_at = models.DateTimeField(_("returned at"))
    amount = money_field(_("amount refunded"))
    currency = currency_field()
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("return")
        verbose_name_plural = _("returns")
        ordering = ["-returned_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"], name="return_external_id_unique_per_source"
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gte=0), name="return_amount_positive"
            ),
        ]
        indexes = [models.Index(fields=["order", "-returned_at"], name="return_order_idx")]

    def __str__(self) -> str:
        return f"{_('Return')} {self.external_id}"


class ReturnLine(models.Model):
    ret = models.ForeignKey(Return, models.CASCADE, related_name="lines", verbose_name=_("return"))
    product = models.ForeignKey(
        "catalog.Product", models.PROTECT, related_name="return_lines", verbose_name=_("product")
    )
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=3)
    amount = money_field(_("amount"))

    class Meta:
        verbose_name = _("return line")
        verbose_name_plural = _("return lines")
        indexes = [models.Index(fields=["ret"], name="return_line_return_idx")]

    def __str__(self) -> str:
        return f"{self.ret.external_id}: {self.product.sku}"
