"""Who may import what: an import needs the rights of every record it writes.

Every import needs the right to import (``imports.add_importrun``, which also opens
the upload page); each kind then needs the model permissions of what its loader
writes, and some columns write more (tags create tags, consent columns record
consent). ``run_import``
checks them for every user it is given; the command line runs as the operator.
"""

from __future__ import annotations

from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from .models import ImportKind

IMPORT = "imports.add_importrun"
ADD_CHANGE_CUSTOMER = ("customers.add_customer", "customers.change_customer")

# kind -> the permissions of what every import of that kind may write
KIND_PERMISSIONS: dict[str, tuple[str, ...]] = {
    ImportKind.CUSTOMERS: ADD_CHANGE_CUSTOMER,
    ImportKind.PRODUCTS: ("catalog.add_product", "catalog.change_product"),
    # Orders of unknown customers create those customers.
    ImportKind.ORDERS: ("sales.add_order", "sales.change_order", "customers.add_customer"),
    ImportKind.ORDER_LINES: ("sales.add_order", "sales.change_order", "sales.add_orderline",
                             "sales.change_orderline", "customers.add_customer"),
    ImportKind.INTERACTIONS: ("engagement.add_interaction", "engagement.change_interaction"),
    ImportKind.COMPLAINTS: ("engagement.add_complaint", "engagement.change_complaint"),
}
CONSENT = ("customers.add_consentchange",)
# kind -> {mapped field: the permissions of what that column writes besides}
FIELD_PERMISSIONS: dict[str, dict[str, tuple[str, ...]]] = {
    ImportKind.CUSTOMERS: {
        "tags": ("customers.add_tag",),
        "consent_email": CONSENT, "consent_sms": CONSENT, "consent_messenger": CONSENT,
        "consent_phone": CONSENT,
    },
    ImportKind.PRODUCTS: {"category": ("catalog.add_category",)},
    # Return rows become returns.
    ImportKind.ORDER_LINES: {"type": ("sales.add_return", "sales.change_return")},
}
# An action on a model, in words; translators may reorder them.
RIGHTS = {"add": gettext_lazy("add %(things)s"), "change": gettext_lazy("change %(things)s")}


class ImportNotAllowed(PermissionDenied):
    """The user may not write what the import would write; nothing was imported."""


def required_permissions(kind: str, mapping: dict[str, str] | None = None) -> list[str]:
    """Return the permissions an import of ``kind`` needs, with those of its mapped columns."""
    needed = [IMPORT, *KIND_PERMISSIONS[kind]]
    fields = set((mapping or {}).values())
    for field, perms in FIELD_PERMISSIONS.get(kind, {}).items():
        if field in fields:
            needed += [perm for perm in perms if perm not in needed]
    return needed


def may_import(user, kind: str) -> bool:
    """Return whether ``user`` may import files of ``kind`` (before any column is mapped)."""
    return not _refusal(user, kind, None)


def allowed_kinds(user) -> list[str]:
    """Return the kinds of import ``user`` may run."""
    return [kind for kind in ImportKind.values if may_import(user, kind)]


def check_may_import(user, kind: str, mapping: dict[str, str] | None = None) -> None:
    """Raise ImportNotAllowed, saying why, unless ``user`` may run this import."""
    refusal = _refusal(user, kind, mapping)
    if refusal:
        raise ImportNotAllowed(refusal)


def _refusal(user, kind: str, mapping) -> str:
    label = ImportKind(kind).label.lower()
    if getattr(user, "sees_only_own_customers", False):
        return _("You may not import %(kind)s: a file can change any customer's records, and "
                 "you work only with your own customers.") % {"kind": label}
    missing = [perm for perm in required_permissions(kind, mapping) if not user.has_perm(perm)]
    if not missing:
        return ""
    return ngettext(
        "You may not import %(kind)s: it needs the right to %(rights)s, which your role "
        "does not give.",
        "You may not import %(kind)s: it needs the rights to %(rights)s, which your role "
        "does not give.",
        len(missing),
    ) % {"kind": label, "rights": ", ".join(_right(perm) for perm in missing)}


def _right(perm: str) -> str:
    """Return a permission in words, e.g. "add customers"."""
    app_label, codename = perm.split(".")
    action, _sep, model_name = codename.partition("_")
    things = apps.get_model(app_label, model_name)._meta.verbose_name_plural
    return RIGHTS[action] % {"things": things}

