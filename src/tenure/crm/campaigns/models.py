"""Campaigns: who to write to (audiences), what to say and when (campaigns and their steps),
what was offered (offers and coupons), and who got it or was held out (deliveries).

A delivery is written for every customer a step reaches, treated or held out, at the
moment the message is (or would have been) sent: the report compares the two groups'
orders within the conversion window after that moment (DESIGN.md, "Acting and measuring").
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tenure.crm.insights.models import Segment
from tenure.crm.lib.bounds import validate_date
from tenure.crm.lib.money import money_field

LANGUAGES = [code for code, _name in settings.LANGUAGES]


class Audience(models.Model):
    """A saved, live set of customers: the customer list's filters plus a few of its own.

    ``query`` is a query string of `audiences.AudienceFilterForm`; members are computed
    whenever the audience is used, so they follow the customers' data.
    """

    name = models.CharField(pgettext_lazy("thing", "name"), max_length=120, unique=True)
    query = models.CharField(_("filters"), max_length=2000, blank=True)
    exclude = models.ForeignKey(
        "self", models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("except the members of"),
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                   related_name="+", verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("audience")
        verbose_name_plural = _("audiences")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("campaigns:audience", args=[self.pk])


class OfferKind(models.TextChoices):
    PERCENT = "percent", _("Percentage off")
    AMOUNT = "amount", _("Amount off")
    FREE_ITEM = "free_item", _("Free item")
    BONUS = "bonus", _("Bonus points")


class Offer(models.Model):
    """What a campaign's message gives: each recipient gets their own single-use coupon."""

    name = models.CharField(pgettext_lazy("thing", "name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=16, choices=OfferKind.choices,
                            default=OfferKind.PERCENT)
    value = models.DecimalField(
        _("value"), max_digits=12, decimal_places=2, default=Decimal("10"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1000000"))],
        help_text=_("Percent, amount, or points; for a free item, its price."),
    )
    item = models.CharField(_("free item"), max_length=200, blank=True)
    valid_days = models.PositiveSmallIntegerField(
        _("valid for, days"), default=30, validators=[MinValueValidator(1),
                                                      MaxValueValidator(3650)])
    code_prefix = models.CharField(_("code prefix"), max_length=12, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("offer")
        verbose_name_plural = _("offers")

    def __str__(self) -> str:
        return self.name


class Trigger(models.TextChoices):
    ONE_OFF = "one_off", _("Once, to the audience")
    BIRTHDAY = "birthday", _("Birthday")
    DATE = "date", _("Dates (holidays)")
    WIN_BACK = "win_back", _("Win-back: churn risk crosses a threshold")
    SEGMENT_ENTRY = "segment_entry", _("Entering a segment")
    AFTER_PURCHASE = "after_purchase", _("Days after the first or second purchase")
    INACTIVITY = "inactivity", _("No purchase for some days")
    TIER_CHANGE = "tier_change", _("Loyalty tier changed")
    TIER_DOWNGRADE = "tier_downgrade", _("Loyalty tier downgrade approaching")


class TierDirection(models.TextChoices):
    ANY = "any", _("Up or down")
    UP = "up", _("Only upward")
    DOWN = "down", _("Only downward")


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    PAUSED = "paused", _("Paused")
    FINISHED = "finished", _("Finished")


class CampaignChannel(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")
    TELEGRAM = "telegram", _("Telegram")
    # Telegram if the customer bound a chat, else SMS, else email (each with its consent).
    BEST = "best", _("Telegram, else SMS, else email")


class Campaign(models.Model):
    """A one-off or automated campaign, measured against the customers it held out."""

    name = models.CharField(pgettext_lazy("thing", "name"), max_length=120, unique=True)
    trigger = models.CharField(_("trigger"), max_length=16, choices=Trigger.choices,
                               default=Trigger.ONE_OFF)
    audience = models.ForeignKey(
        Audience, models.PROTECT, null=True, blank=True, related_name="campaigns",
        verbose_name=_("audience"), help_text=_("Every customer when empty."),
    )
    channel = models.CharField(_("channel"), max_length=16, choices=CampaignChannel.choices,
                               default=CampaignChannel.EMAIL)
    status = models.CharField(_("status"), max_length=16, choices=CampaignStatus.choices,
                              default=CampaignStatus.DRAFT)
    offer = models.ForeignKey(Offer, models.PROTECT, null=True, blank=True,
                              related_name="campaigns", verbose_name=_("offer"))
    # A one-off campaign goes at this time (at once when empty); triggers run from it.
    starts_at = models.DateTimeField(_("starts"), null=True, blank=True,
                                     validators=[validate_date])
    ends_at = models.DateTimeField(_("ends"), null=True, blank=True,
                                   validators=[validate_date])
    # Trigger settings; each trigger reads the ones it needs (`triggers.py`).
    days = models.PositiveSmallIntegerField(
        _("days"), default=0, validators=[MaxValueValidator(3650)],
        help_text=_("Birthday: days before; after a purchase or without one: how many days; "
                    "a loyalty tier downgrade: days before the review."),
    )
    purchase_number = models.PositiveSmallIntegerField(
        _("purchase"), default=1, validators=[MinValueValidator(1), MaxValueValidator(2)],
        help_text=_("After the first (1) or the second (2) purchase."),
    )
    threshold = models.FloatField(
        _("churn risk threshold"), default=0.6,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
    )
    missed_rhythm = models.BooleanField(
        _("also when they miss their rhythm"), default=False,
        help_text=_("Win-back: also a customer with two or more orders and no purchase for "
                    "twice their usual time between orders."),
    )
    segment = models.CharField(_("segment"), max_length=24, choices=Segment.choices,
                               blank=True)
    dates = models.CharField(
        _("dates"), max_length=2000, blank=True,
        help_text=_("Dates such as 2027-03-08, one per line, or a country's public holidays "
                    "such as holidays:UA."),
    )
    tier_direction = models.CharField(
        _("tier change"), max_length=8, choices=TierDirection.choices,
        default=TierDirection.ANY)
    tier = models.ForeignKey(
        "loyalty.Tier", models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("to the tier"),
        help_text=_("A loyalty tier change: only to this tier; any when empty."))
    holdout = models.FloatField(
        _("control group share"), default=0.1,
        validators=[MinValueValidator(0.0), MaxValueValidator(0.9)],
        help_text=_("The share of the audience held out to measure the effect (0.1 = 10 %)."),
    )
    link = models.URLField(
        _("link"), max_length=500, blank=True,
        help_text=_("Where {{ link }} in the message leads (your shop's page); the click is "
                    "counted on the way."),
    )
    window_days = models.PositiveSmallIntegerField(
        _("conversion window, days"), default=30,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                   related_name="+", verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("campaigns:campaign", args=[self.pk])

    @property
    def window(self) -> timedelta:
        return timedelta(days=self.window_days)


class Step(models.Model):
    """One message of a campaign: the first goes on the trigger, each next after a wait to
    the customers who have not converted since the first."""

    campaign = models.ForeignKey(Campaign, models.CASCADE, related_name="steps",
                                 verbose_name=_("campaign"))
    number = models.PositiveSmallIntegerField(
        _("step"), default=1, validators=[MinValueValidator(1), MaxValueValidator(9)])
    # A/B test: the treated customers of a step split evenly (and always the same way)
    # among its variants; each is reported against the step's one control group.
    variant = models.CharField(_("variant"), max_length=1, default="A",
                               choices=[(v, v) for v in "ABC"])
    wait_days = models.PositiveSmallIntegerField(
        _("wait, days"), default=0, validators=[MaxValueValidator(365)],
        help_text=_("After the previous step; 0 for the first."),
    )
    # Who a later step skips, besides whoever bought since the first step.
    skip_answered = models.BooleanField(
        _("skip who answered a survey"), default=False,
        help_text=_("A later step: also skip the customers who answered a survey since the "
                    "first step."),
    )
    subject_en = models.CharField(_("subject (English)"), max_length=200, blank=True)
    body_en = models.TextField(_("text (English)"), blank=True)
    subject_ru = models.CharField(_("subject (Russian)"), max_length=200, blank=True)
    body_ru = models.TextField(_("text (Russian)"), blank=True)
    subject_uk = models.CharField(_("subject (Ukrainian)"), max_length=200, blank=True)
    body_uk = models.TextField(_("text (Ukrainian)"), blank=True)

    class Meta:
        ordering = ["campaign", "number", "variant"]
        verbose_name = _("step")
        verbose_name_plural = _("steps")
        constraints = [models.UniqueConstraint(fields=["campaign", "number", "variant"],
                                               name="campaign_step_unique_variant")]

    def __str__(self) -> str:
        return f"{self.campaign} #{self.number}{self.variant}"

    def text(self, language: str) -> tuple[str, str]:
        """Return the subject and text in ``language``, else English, else any written."""
        for code in (language, "en", *LANGUAGES):
            body = getattr(self, f"body_{code}", "")
            if body.strip():
                return getattr(self, f"subject_{code}"), body
        return "", ""


class Group(models.TextChoices):
    TREATED = "treated", _("Sent")
    CONTROL = "control", _("Control group")
    # Held out of every campaign (the global control group).
    GLOBAL = "global", _("Global control group")


class Delivery(models.Model):
    """A step reaching one customer on one occasion: sent, held out, or skipped."""

    step = models.ForeignKey(Step, models.CASCADE, related_name="deliveries",
                             verbose_name=_("step"))
    customer = models.ForeignKey("customers.Customer", models.CASCADE,
                                 related_name="campaign_deliveries",
                                 verbose_name=_("customer"))
    # What the trigger fired for: "once", a birthday's year, a holiday's date, a month.
    occasion = models.CharField(_("occasion"), max_length=32)
    group = models.CharField(_("group"), max_length=8, choices=Group.choices)
    # When the message was (or, held out, would have been) sent: the window starts here.
    at = models.DateTimeField(_("at"))
    message = models.ForeignKey("messaging.Message", models.SET_NULL, null=True, blank=True,
                                related_name="+", verbose_name=_("message"))
    clicked_at = models.DateTimeField(_("clicked"), null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [models.UniqueConstraint(fields=["step", "customer", "occasion"],
                                               name="delivery_once_per_occasion")]
        indexes = [models.Index(fields=["customer", "at"], name="delivery_customer_idx")]

    def __str__(self) -> str:
        return f"{self.step} → {self.customer_id} ({self.occasion})"


class Coupon(models.Model):
    """A single-use code of an offer, made for one recipient."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    offer = models.ForeignKey(Offer, models.PROTECT, related_name="coupons",
                              verbose_name=_("offer"))
    delivery = models.OneToOneField(Delivery, models.CASCADE, related_name="coupon",
                                    verbose_name=_("delivery"))
    customer = models.ForeignKey("customers.Customer", models.CASCADE, related_name="coupons",
                                 verbose_name=_("customer"))
    valid_until = models.DateTimeField(_("valid until"))
    order = models.OneToOneField("sales.Order", models.SET_NULL, null=True, blank=True,
                                 related_name="coupon", verbose_name=_("redeemed with"))
    redeemed_at = models.DateTimeField(_("redeemed"), null=True, blank=True)
    cost = money_field(_("discount given"), null=True, blank=True)

    class Meta:
        verbose_name = _("coupon")
        verbose_name_plural = _("coupons")

    def __str__(self) -> str:
        return self.code
