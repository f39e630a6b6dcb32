"""Privacy: the record of each erasure, and the permissions to export and erase a person."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

# What an erased value is replaced with where a field cannot simply be emptied.
ERASED = "[erased]"

# What an erasure's counts are called on the pages and the command line.
COUNT_LABELS = {
    "consent_withdrawn": _("consents withdrawn"),
    "interactions": _("interactions"),
    "activities": _("activities"),
    "complaints": _("complaints"),
    "complaint_events": _("complaint changes"),
    "survey_answers": _("survey answers"),
    "messages": _("messages"),
    "notifications": _("notifications"),
    "merges": _("merge snapshots"),
    "admin_log_entries": _("admin history entries"),
    "audit_entries": _("audit log entries"),
    "mentions": _("other records that named them"),
    "files_rewritten": _("files rewritten"),
    "files_removed": _("files removed"),
}


def describe_counts(counts: dict) -> list[tuple[str, int]]:
    """Return the counts above zero as (label, number) pairs, in a fixed order."""
    return [(str(label), counts[key]) for key, label in COUNT_LABELS.items()
            if counts.get(key)]


def counts_summary(counts: dict) -> str:
    """Return the counts in words: "1 interactions, 2 messages"."""
    described = describe_counts(counts)
    if not described:
        return gettext("no record besides the profile")
    # Translators: one count of an erasure, "3 messages". The label is a plural noun that
    # does not agree with the number, so a language with more plural forms may put it first
    # ("messages: 3").
    count = gettext("%(number)d %(label)s")
    return ", ".join(count % {"number": number, "label": label} for label, number in described)


class ErasureQuerySet(models.QuerySet):
    def of(self, customer_id: int) -> ErasureQuerySet:
        return self.filter(customer_id=customer_id)


class Erasure(models.Model):
    """One erasure of a person: when, by whom, which customer, and how many records.

    It keeps no erased value: only the customer's id and counts.
    """

    # Not a foreign key: the record outlives the customer row should it ever be deleted.
    customer_id = models.BigIntegerField(_("customer id"), db_index=True)
    erased_at = models.DateTimeField(_("erased at"), default=timezone.now)
    erased_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("erased by"),
    )
    # {"interactions": 3, "messages": 2, "files rewritten": 1, ...}
    counts = models.JSONField(_("records anonymised"), default=dict)

    objects = ErasureQuerySet.as_manager()

    class Meta:
        ordering = ["-erased_at", "-id"]
        verbose_name = _("erasure")
        verbose_name_plural = _("erasures")
        permissions = [
            ("export_personal_data", _("Can export everything held about a person")),
            ("erase_personal_data", _("Can erase a person's data")),
            ("view_audit_log", _("Can see who viewed, exported or changed personal data")),
        ]

    def __str__(self) -> str:
        return f"#{self.customer_id} @ {self.erased_at:%Y-%m-%d %H:%M}"

    def summary(self) -> str:
        return counts_summary(self.counts)
