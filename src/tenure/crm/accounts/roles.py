"""The permissions each role carries.

Applied by a data migration and by ``tenure demo-data``; run
``sync_roles()`` again after adding a model so the groups learn of it.
"""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission

from .models import Role

VIEW = "view"
ALL = ("view", "add", "change", "delete")

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
        "imports.importrun": ("view", "add"),
        "insights.insightsrun": (VIEW,),
        "engagement.interaction": (VIEW,),
        "engagement.activity": (VIEW,),
        "engagement.complaint": (VIEW,),
        "feedback.survey": ALL,
        "feedback.answer": (VIEW,),
        "messaging.message": (VIEW,),
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
    },
    Role.ANALYST: {
        "customers.customer": (VIEW,),
        "customers.tag": (VIEW,),
        "catalog.product": (VIEW,),
        "catalog.category": (VIEW,),
        "sales.order": (VIEW,),
        "sales.orderline": (VIEW,),
        "sales.return": (VIEW,),
        "imports.importrun": ("view", "add"),
        "insights.insightsrun": (VIEW,),
        "engagement.interaction": (VIEW,),
        "engagement.activity": (VIEW,),
        "engagement.complaint": (VIEW,),
        "feedback.survey": (VIEW,),
        "feedback.answer": (VIEW,),
    },
}


def sync_roles(group_model=Group, permission_model=Permission) -> None:
    """Create the role groups and give each exactly its permissions."""
    for role, grants in ROLE_PERMISSIONS.items():
        group, _ = group_model.objects.get_or_create(name=role)
        if "*" in grants:
            perms = permission_model.objects.all()
        else:
            codenames = []
            for model_key, actions in grants.items():
                app_label, model = model_key.split(".")
                codenames += [(app_label, f"{a}_{model}") for a in actions]
            perms = [
                p for p in permission_model.objects.select_related("content_type")
                if (p.content_type.app_label, p.codename) in set(codenames)
            ]
        group.permissions.set(perms)
