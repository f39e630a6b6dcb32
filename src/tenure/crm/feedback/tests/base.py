"""Shared set-up of the feedback tests: a shop whose clock stops on a Friday morning."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import count

from tenure.crm.customers.models import Customer
from tenure.crm.feedback.models import Invitation, Survey, SurveyKind, SurveyTrigger
from tenure.crm.sales.models import Order, OrderStatus
from tenure.crm.testing import TenureTestCase

NOW = datetime(2026, 3, 6, 9, 0, tzinfo=UTC)  # a Friday
_numbers = count(1)


class FeedbackTestCase(TenureTestCase):
    def make_customer(self, name: str = "Olena", **fields) -> Customer:
        """Create a customer of Bob's who agrees to emails."""
        defaults = {"email": f"{name.lower()}@example.org", "consent_email": True,
                    "manager": self.manager}
        return Customer.objects.create(name=name, **{**defaults, **fields})

    def make_survey(self, **fields) -> Survey:
        """Create an active NPS survey sent 3 days after a purchase."""
        defaults = {"name": "After purchase", "kind": SurveyKind.NPS,
                    "trigger": SurveyTrigger.AFTER_PURCHASE, "delay_days": 3,
                    "min_interval_days": 90, "valid_days": 30}
        return Survey.objects.create(**{**defaults, **fields})

    def invite(self, survey: Survey, customer: Customer, **fields) -> Invitation:
        """Create an invitation sent now, valid for 30 days."""
        at = fields.pop("created_at", NOW)
        return Invitation.objects.create(
            survey=survey, customer=customer, occasion=f"test:{next(_numbers)}",
            created_at=at, expires_at=fields.pop("expires_at", at + timedelta(days=30)),
            **fields,
        )

    def order(self, customer: Customer, days_ago: float, **fields) -> Order:
        """Create a completed order placed ``days_ago`` days before NOW."""
        return Order.objects.create(
            external_id=f"T{next(_numbers)}", customer=customer, total=Decimal("10.00"),
            ordered_at=NOW - timedelta(days=days_ago), status=fields.pop(
                "status", OrderStatus.COMPLETED), **fields,
        )
