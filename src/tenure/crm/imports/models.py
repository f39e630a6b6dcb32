"""A record of every import: what came in, what changed, what was rejected."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ImportKind(models.TextChoices):
    CUSTOMERS = "customers", _("Customers")
    PRODUCTS = "products", _("Products")
    ORDERS = "orders", _("Orders")
    ORDER_LINES = "order-lines", _("Order lines")
    INTERACTIONS = "interactions", _("Interactions")
    COMPLAINTS = "complaints", _("Complaints")


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting for the worker")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class ImportRun(models.Model):
    kind = models.CharField(_("kind"), max_length=16, choices=ImportKind.choices)
    file_name = models.CharField(_("file"), max_length=255)
    source = models.CharField(_("source"), max_length=32)
    mapping = models.JSONField(_("column mapping"), default=dict)
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    inserted = models.PositiveIntegerField(_("inserted"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    rejected = models.PositiveIntegerField(_("rejected"), default=0)
    matched = models.JSONField(
        _("customers matched"), default=dict, blank=True,
        help_text=_("How many existing customers were found other than by their own id."),
    )
    rejects_file = models.CharField(_("rejects file"), max_length=500, blank=True)
    error = models.TextField(_("error"), blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, verbose_name=_("user")
    )
    status = models.CharField(_("status"), max_length=8, choices=ImportStatus.choices,
                              default=ImportStatus.DONE)
    # A run the upload page queued for the worker (`queue`): the upload's folder, the
    # consent evidence the page was given, and the worker that took it.
    upload = models.CharField(_("upload"), max_length=64, blank=True)
    consent_source = models.CharField(_("consent source"), max_length=32, blank=True)
    consent_wording = models.TextField(_("consent wording"), blank=True)
    worker = models.ForeignKey("jobs.WorkerProcess", models.SET_NULL, null=True, blank=True,
                               related_name="+", verbose_name=_("worker"))

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.file_name}"

    @property
    def waiting(self) -> bool:
        """Whether the worker has yet to finish this run."""
        return self.status in (ImportStatus.QUEUED, ImportStatus.RUNNING)
