"""Feedback: NPS, CSAT and CES surveys, the invitations sent, and the answers."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tenure.analytics import bands as scoring
from tenure.crm.lib import bounds


class SurveyKind(models.TextChoices):
    NPS = "nps", _("NPS (0–10: would you recommend us?)")
    CSAT = "csat", _("CSAT (1–5: how satisfied are you?)")
    CES = "ces", _("CES (1–5: how easy was it? 1 is very easy)")


# kind -> (lowest, highest) score on its scale; the library owns the scales and the bands
SCALES = scoring.SCALES

# kind -> the question asked when the survey sets none
STANDARD_QUESTIONS = {
    SurveyKind.NPS: _("How likely are you to recommend us to a friend or colleague?"),
    SurveyKind.CSAT: _("How satisfied are you with your recent experience with us?"),
    SurveyKind.CES: _("How easy was it to get what you needed from us?"),
}

# kind -> what the lowest and the highest score mean, shown at the ends of the scale
SCALE_ENDS = {
    SurveyKind.NPS: (_("Not at all likely"), _("Extremely likely")),
    SurveyKind.CSAT: (_("Very dissatisfied"), _("Very satisfied")),
    SurveyKind.CES: (_("Very easy"), _("Very difficult")),
}


class SurveyTrigger(models.TextChoices):
    AFTER_PURCHASE = "purchase", _("After a purchase")
    AFTER_COMPLAINT = "complaint", _("After a complaint is resolved")
    STAGE = "stage", _("When a customer reaches a segment")


def score_tone(kind: str, score: int) -> str:
    """Return "low" (detractor, unhappy, hard), "high" (promoter, satisfied, easy) or "mid".

    The bands are the analytics library's (``tenure.analytics.bands.BANDS``).
    """
    return scoring.tone(kind, score)


class SurveyQuerySet(models.QuerySet):
    def active(self) -> SurveyQuerySet:
        return self.filter(is_active=True)


class Survey(models.Model):
    """A survey and the rule that decides who is asked it, and when."""

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=8, choices=SurveyKind.choices)
    trigger = models.CharField(_("sent"), max_length=16, choices=SurveyTrigger.choices)
    stage = models.CharField(
        _("segment"), max_length=64, blank=True,
        help_text=_("For surveys sent at a stage: the RFM segment, e.g. Champions."),
    )
    delay_days = models.PositiveIntegerField(
        _("days after the event"), default=3, validators=bounds.at_most(bounds.MAX_DAYS),
        help_text=_("Wait this long after the purchase or resolution before asking."),
    )
    min_interval_days = models.PositiveIntegerField(
        _("ask a customer at most once in, days"), default=90,
        validators=bounds.at_most(bounds.MAX_DAYS),
    )
    valid_days = models.PositiveIntegerField(
        _("the link is valid for, days"), default=30, validators=bounds.at_most(bounds.MAX_DAYS))
    question = models.CharField(
        _("question"), max_length=250, blank=True,
        help_text=_("Leave empty for the standard question of the survey's kind."),
    )
    follow_up_low_scores = models.BooleanField(
        _("plan a call after a low score"), default=True,
        help_text=_("A detractor (NPS 0–6), or CSAT 1–2, or CES 4–5 creates an activity for "
                    "the customer's manager."),
    )
    follow_up_assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("follow-up for customers without a manager"),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    objects = SurveyQuerySet.as_manager()

    class Meta:
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("feedback:survey", args=[self.pk])

    @property
    def question_text(self) -> str:
        """Return the question asked: the survey's own, or the kind's standard one."""
        return self.question or STANDARD_QUESTIONS[self.kind]

    @property
    def scale_ends(self) -> tuple[str, str]:
        return SCALE_ENDS[self.kind]

    @property
    def scale(self) -> range:
        low, high = SCALES[self.kind]
        return range(low, high + 1)

    def schedule_problems(self) -> list[str]:
        """Return what is wrong with the stored delays, interval and validity (none: [])."""
        return bounds.field_errors(self, ["delay_days", "min_interval_days", "valid_days"])

    def is_low(self, score: int) -> bool:
        """Return whether ``score`` calls for a follow-up (detractor, unhappy, hard)."""
        return score_tone(self.kind, score) == "low"

    def in_scale(self, score: int) -> bool:
        """Return whether ``score`` is an answer on the survey's scale."""
        low, high = SCALES[self.kind]
        return low <= score <= high


def new_token() -> str:
    return secrets.token_urlsafe(24)


class Invitation(models.Model):
    """One customer asked one survey: the token in the emailed links."""

    survey = models.ForeignKey(
        Survey, models.CASCADE, related_name="invitations", verbose_name=_("survey")
    )
    customer = models.ForeignKey(
        "customers.Customer", models.CASCADE, related_name="survey_invitations",
        verbose_name=_("customer"),
    )
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    # What prompted it, e.g. "order:12" or "complaint:3"; one invitation per survey and event.
    occasion = models.CharField(_("occasion"), max_length=64)
    message = models.OneToOneField(
        "messaging.Message", models.SET_NULL, null=True, blank=True, related_name="invitation",
    )
    created_at = models.DateTimeField(_("sent"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    # Who sent it from the customer page; empty when a trigger sent it.
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("sent by"),
    )

    class Meta:
        verbose_name = _("survey invitation")
        verbose_name_plural = _("survey invitations")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "customer", "occasion"], name="invitation_once_per_occasion"
            )
        ]
        indexes = [models.Index(fields=["customer", "-created_at"], name="invitation_customer_idx")]

    def __str__(self) -> str:
        return f"{self.survey} → {self.customer}"

    def get_absolute_url(self) -> str:
        return reverse("survey:answer", args=[self.token])

    def get_score_url(self, score: int) -> str:
        """Return the link that records ``score`` in one click."""
        return reverse("survey:answer_score", args=[self.token, score])

    @property
    def is_expired(self) -> bool:
        return timezone.now() >= self.expires_at

    @property
    def is_answered(self) -> bool:
        # The reverse one-to-one raises an AttributeError subclass when there is no answer.
        return hasattr(self, "answer")


class Answer(models.Model):
    """A customer's score, and the reason they gave for it."""

    invitation = models.OneToOneField(
        Invitation, models.CASCADE, related_name="answer", verbose_name=_("invitation")
    )
    customer = models.ForeignKey(
        "customers.Customer", models.CASCADE, related_name="survey_answers",
        verbose_name=_("customer"),
    )
    kind = models.CharField(_("kind"), max_length=8, choices=SurveyKind.choices)
    score = models.SmallIntegerField(_("score"))
    comment = models.TextField(_("why"), blank=True)
    answered_at = models.DateTimeField(_("answered"), default=timezone.now)

    class Meta:
        verbose_name = _("survey answer")
        verbose_name_plural = _("survey answers")
        ordering = ["-answered_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "-answered_at"], name="answer_customer_idx"),
            models.Index(fields=["kind", "answered_at"], name="answer_kind_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.score} · {self.customer}"

    @property
    def timeline_time(self):
        return self.answered_at

    @property
    def tone(self) -> str:
        """Return "low", "mid" or "high", as :func:`score_tone` sees the score."""
        return score_tone(self.kind, self.score)

    @property
    def follow_up_origin(self) -> str:
        """Return the origin of the activity planned after this answer."""
        return f"survey-answer:{self.pk}"
