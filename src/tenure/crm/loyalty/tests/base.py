"""A customer with orders, and the proof every test ends with: the ledger agrees."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.test import TestCase

from tenure.crm.customers.models import Customer
from tenure.crm.loyalty.models import Account, Programme
from tenure.crm.loyalty.statement import differences
from tenure.crm.sales.models import Order, OrderStatus, Return

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def days(n: float) -> datetime:
    return T0 + timedelta(days=n)


class LedgerTestCase(TestCase):
    """Olena, of a programme of 1 point per hryvnia, 14 pending days, a point worth 0.10
    and at most half an order paid with points, points expiring a year after release."""

    @classmethod
    def setUpTestData(cls):
        Programme.objects.create(pk=1, points_per_unit=Decimal("1"), pending_days=14,
                                 point_value=Decimal("0.10"), max_share=Decimal("0.5"),
                                 expiry_days=365)
        cls.olena = Customer.objects.create(name="Olena", source="shop", external_id="C-7")
        cls.orders = 0

    def order(self, total: str, at: datetime = T0, status=OrderStatus.COMPLETED,
              customer=None) -> Order:
        type(self).orders += 1
        # Written as the importer writes them: without the audit log's per-save work.
        return Order.objects.bulk_create([Order(
            customer=customer or self.olena, external_id=f"o{type(self).orders}",
            ordered_at=at, total=Decimal(total), status=status)])[0]

    def give_back(self, order: Order, amount: str, at: datetime) -> Return:
        return Return.objects.bulk_create([Return(
            order=order, external_id=f"r{order.pk}-{amount}-{at}", returned_at=at,
            amount=Decimal(amount))])[0]

    def account(self, customer=None) -> Account:
        return Account.objects.get(customer=customer or self.olena)

    def assertLedgerHolds(self):
        self.assertEqual([str(d) for d in differences()], [])
