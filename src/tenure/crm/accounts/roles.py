"""The permissions each role carries.

Applied after every ``migrate`` and by data migrations when the grants change;
run ``sync_roles()`` again after adding a model so the groups learn of it.

Each role holds the rights of the work it does, and a write needs the right to
change what it writes: an import needs the rights of every record it writes
(``imports.permissions``), so the analyst, who only reads, imports nothing, and
the marketer, who tags customers and records consent but creates no customers,
imports nothing either.
"""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission

from .models import Role

VIEW = "view"
ALL = ("view", "add", "change", "delete")

# Rights no role holds: consent history is evidence, written once and never edited.
NEVER = {("customers", "change_consentchange"), ("customers", "delete_consentchange")}

# role -> {app_label.model: actions}
ROLE_PERMISSIONS: dict[str, dict[str, tuple[str, ...]]] = {
    Role.ADMINISTRATOR: {"*": ALL},
    Role.MARKETER: {
        "customers.customer": ("view", "change"),
        "customers.tag": ALL,
        "customers.consentchange": ("view", "add"),
        "catalog.product": (VIEW,),
        "catalog.category": (VIEW,),
        "sales.order": (VIEW,),
        "sales.orderline": (VIEW,),
        "sales.return": (VIEW,),
        "insights.insightsrun": (VIEW,),
        "engagement.interaction": (VIEW,),
        "engagement.activity": (VIEW,),
        "engagement.complaint": (VIEW,),
        "feedback.survey": ALL,
        "feedback.answer": (VIEW,),
        "messaging.message": (VIEW,),
        "campaigns.audience": ALL,
        "campaigns.offer": ALL,
        "campaigns.campaign": ALL,
        "campaigns.step": ALL,
        "campaigns.delivery": (VIEW,),
        "campaigns.coupon": (VIEW,),
        "loyalty.programme": (VIEW,),
        "loyalty.account": (VIEW,),
        "loyalty.entry": ("view", "add"),
        "loyalty.lot": (VIEW,),
        "loyalty.referral": ("view", "add"),
        "loyalty.tier": (VIEW,),
        "loyalty.referralcode": ("view", "add"),
    },
    Role.SALES_MANAGER: {
        "customers.customer": ("view", "change", "add"),
        "customers.consentchange": ("view", "add"),
        "customers.tag": (VIEW,),
        "catalog.product": (VIEW,),
        "catalog.category": (VIEW,),
        "sales.order": ("view", "add", "change"),
        "sales.orderline": ("view", "add", "change"),
        "sales.return": ("view", "add"),
        "engagement.interaction": ("view", "add", "change"),
        "engagement.activity": ("view", "add", "change"),
        "engagement.complaint": ("view", "add", "change"),
        "feedback.survey": (VIEW,),
        "feedback.invitation": ("view", "add"),
        "feedback.answer": (VIEW,),
        "messaging.message": (VIEW,),
        "loyalty.account": (VIEW,),
        # They take the orders, so they spend points on them; adjusting is the marketer's.
        "loyalty.entry": ("view", "redeem"),
        # They register the new customers at the counter, with the friend's code they bring.
        "loyalty.referral": ("view", "add"),
        "loyalty.referralcode": ("view", "add"),
    },
    Role.SUPPORT_AGENT: {
        "customers.customer": ("view", "change"),
        "customers.consentchange": ("view", "add"),
        "customers.tag": (VIEW,),
        "catalog.product": (VIEW,),
        "catalog.category": (VIEW,),
        "sales.order": (VIEW,),
        "sales.orderline": (VIEW,),
        "sales.return": ("view", "add"),
        "engagement.interaction": ("view", "add", "change"),
        "engagement.activity": ("view", "add", "change"),
        "engagement.complaint": ("view", "add", "change"),
        "feedback.survey": (VIEW,),
        "feedback.invitation": ("view", "add"),
        "feedback.answer": (VIEW,),
        "messaging.message": (VIEW,),
        "loyalty.account": (VIEW,),
        "loyalty.entry": (VIEW,),
    },
    Role.ANALYST: {
        "customers.customer": (VIEW,),
        "customers.tag": (VIEW,),
        "catalog.product": (VIEW,),
        "catalog.category": (VIEW,),
        "sales.order": (VIEW,),
        "sales.orderline": (VIEW,),
        "sales.return": (VIEW,),
        "insights.insightsrun": (VIEW,),
        "engagement.interaction": (VIEW,),
        "engagement.activity": (VIEW,),
        "engagement.complaint": (VIEW,),
        "feedback.survey": (VIEW,),
        "feedback.answer": (VIEW,),
        "campaigns.audience": (VIEW,),
        "campaigns.offer": (VIEW,),
        "campaigns.campaign": (VIEW,),
        "campaigns.step": (VIEW,),
        "campaigns.delivery": (VIEW,),
        "campaigns.coupon": (VIEW,),
    },
}


def sync_roles(group_model=Group, permission_model=Permission) -> None:
    """Create the role groups and give each exactly its permissions."""
    for role, grants in ROLE_PERMISSIONS.items():
        group, _ = group_model.objects.get_or_create(name=role)
        wanted = _wanted(grants)
        perms = [
            p for p in permission_model.objects.select_related("content_type")
            if (key := (p.content_type.app_label, p.codename)) not in NEVER
            and ("*" in grants or key in wanted)
        ]
        group.permissions.set(perms)


def _wanted(grants: dict[str, tuple[str, ...]]) -> set[tuple[str, str]]:
    """Return the (app label, codename) pairs ``grants`` names."""
    wanted = set()
    for model_key, actions in grants.items():
        if model_key != "*":
            app_label, model = model_key.split(".")
            wanted |= {(app_label, f"{action}_{model}") for action in actions}
    return wanted
