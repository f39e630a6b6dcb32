"""What the shop sells: a category tree and its products."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tenure.crm.lib.money import currency_field, money_field


class Category(models.Model):
    """A node of the category tree (adjacency list: shops' trees are shallow)."""

    name = models.CharField(pgettext_lazy("thing", "name"), max_length=120)
    parent = models.ForeignKey(
        "self", models.CASCADE, null=True, blank=True, related_name="children",
        verbose_name=_("parent"),
    )

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="category_unique_in_parent"),
            models.UniqueConstraint(
                fields=["name"], condition=models.Q(parent__isnull=True),
                name="category_unique_root",
            ),
        ]

    def __str__(self) -> str:
        return " / ".join(c.name for c in self.ancestors_and_self())

    def ancestors_and_self(self) -> list[Category]:
        """Return the path from the root to this category."""
        path, node, seen = [], self, set()
        while node is not None and node.pk not in seen:
            seen.add(node.pk)
            path.append(node)
            node = node.parent
        return path[::-1]

    @classmethod
    def from_path(cls, path: list[str]) -> Category:
        """Return the category at ``path`` (root first), creating missing nodes."""
        parent = None
        for name in path:
            parent, _ = cls.objects.get_or_create(parent=parent, name=name)
        return parent


class Product(models.Model):
    sku = models.CharField(_("SKU"), max_length=64, unique=True)
    name = models.CharField(pgettext_lazy("thing", "name"), max_length=200)
    category = models.ForeignKey(
        Category, models.SET_NULL, null=True, blank=True, related_name="products",
        verbose_name=_("category"),
    )
    price = money_field(_("price"), null=True, blank=True)
    cost = money_field(_("cost"), null=True, blank=True)
    currency = currency_field()
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["name"]
        indexes = [models.Index(fields=["category", "name"], name="product_category_idx")]

    def __str__(self) -> str:
        return f"{self.name} ({self.sku})"
