"""Feedback's events on a customer's timeline: survey answers."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tenure.crm.customers.timeline import Event, register, window

from .models import Answer


def _answers(customer, before, limit):
    rows = window(Answer.objects.filter(customer=customer).select_related("invitation__survey"),
                  "answered_at", before, limit)
    for answer in rows:
        yield Event(
            "answer", answer.answered_at,
            _("%(survey)s: %(score)s") % {
                "survey": answer.invitation.survey.name, "score": answer.score},
            detail=answer.comment, url=answer.invitation.survey.get_absolute_url(),
            badge=answer.kind.upper(), badge_class=f"score-{answer.tone}", order=answer.pk,
        )


def register_sources() -> None:
    """Add the survey answers to every customer's timeline (called from ``ready``)."""
    register("answer", gettext_lazy("Survey answers"), _answers)
