"""Who may take on work for a customer: the people offered as manager or assignee."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.db.models import Q, QuerySet

from tenure.crm.accounts.models import Role, User

# Roles that work with customers; marketers and analysts only read.
WORKING_ROLES = (Role.ADMINISTRATOR, Role.SALES_MANAGER, Role.SUPPORT_AGENT)


def assignable_users(customer=None) -> QuerySet:
    """Return the active users who work with customers and may see ``customer``.

    A sales manager with no other role sees only their own customers
    (``User.sees_only_own_customers``), so they are offered only for those.
    """
    in_role = User.objects.filter(groups__name__in=WORKING_ROLES).values("pk")
    users = User.objects.filter(is_active=True).filter(Q(is_superuser=True) | Q(pk__in=in_role))
    if customer is not None:
        other_roles = Group.objects.exclude(name=Role.SALES_MANAGER)
        broader = User.objects.filter(groups__in=other_roles).values("pk")
        users = users.filter(Q(is_superuser=True) | Q(pk__in=broader)
                             | Q(pk=customer.manager_id))
    return users.order_by("first_name", "last_name", "username")
