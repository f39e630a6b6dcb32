"""The loyalty ledger: a programme's settings, an account per customer, append-only entries,
and the lots earned points live in.

Two buckets per account, each kept beside the ledger and proved by ``tenure loyalty check``:

- ``balance`` (points the customer may spend) = Σ ``Entry.points`` of the account;
- ``pending`` (points earned but locked until the return window ends)
  = Σ ``Entry.pending_points`` = Σ ``Lot.remaining`` of its pending lots.

And while the balance is not negative, Σ ``Lot.remaining`` of its available lots equals it:
every debit consumes lots, soonest-expiring first; a debit no lot covers (a reversal of
points already spent) takes the balance below zero, and the next credits pay that debt
before they fill a lot. So max(balance, 0) = Σ remaining of available lots.

Entries are never updated or deleted: ``Entry.save`` refuses to update, ``delete`` refuses,
and the admin is read-only. Every entry carries a unique idempotency ``key``.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class LedgerError(Exception):
    """An operation on the ledger that is refused; ``str()`` says why, for a person."""


class Programme(models.Model):
    """The programme's settings: one row (``Programme.current()``)."""

    starts_at = models.DateTimeField(
        _("programme start"), null=True, blank=True,
        help_text=_("Orders placed before this moment earn no points (a programme switched "
                    "on over an existing history does not pay for the past); empty: every "
                    "order earns."))
    points_per_unit = models.DecimalField(
        _("points per currency unit"), max_digits=8, decimal_places=4, default=Decimal("1"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("Points earned per unit of the amount paid (rounded down per order)."))
    pending_days = models.PositiveIntegerField(
        _("pending days"), default=14,
        help_text=_("Earned points are locked this many days after the order (the return "
                    "window)."))
    point_value = models.DecimalField(
        _("value of a point"), max_digits=10, decimal_places=4, default=Decimal("0.01"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("Money a point is worth when redeemed."))
    max_share = models.DecimalField(
        _("maximum share of an order"), max_digits=3, decimal_places=2, default=Decimal("0.5"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
        help_text=_("At most this share of an order's total may be paid with points."))
    expiry_days = models.PositiveIntegerField(
        _("expiry days"), default=365,
        help_text=_("Points expire this many days after they become available."))
    welcome_bonus = models.PositiveIntegerField(
        _("welcome bonus"), default=0,
        help_text=_("Points given once, on a customer's first order that is not cancelled."))
    birthday_bonus = models.PositiveIntegerField(
        _("birthday bonus"), default=0,
        help_text=_("Points given once a year on the customer's birthday, in their time "
                    "zone."))
    first_answer_bonus = models.PositiveIntegerField(
        _("first survey answer bonus"), default=0,
        help_text=_("Points given once, for a customer's first survey answer."))
    # There is no review model: a review is a survey answer with a written comment.
    review_bonus = models.PositiveIntegerField(
        _("review bonus"), default=0,
        help_text=_("Points given once per customer, for a review: a survey answer with a "
                    "written comment (the score alone is not a review)."))
    referral_bonus = models.PositiveIntegerField(
        _("referral bonus"), default=0,
        help_text=_("Points the referrer gets once the referred customer's first order has "
                    "passed its return window and was kept."))
    referral_cap_per_month = models.PositiveIntegerField(
        _("referral rewards per month"), default=5,
        help_text=_("At most this many referral rewards per referrer in a calendar month; 0 "
                    "for no cap."))
    tier_window_months = models.PositiveIntegerField(
        _("tier window, months"), default=12, validators=[MinValueValidator(1)],
        help_text=_("A tier is earned by the spend and points of this many months."))
    tier_review_months = models.PositiveIntegerField(
        _("tier kept for, months"), default=12, validators=[MinValueValidator(1)],
        help_text=_("A tier reached is kept this many months; then it is reviewed against "
                    "the window and may fall."))

    class Meta:
        verbose_name = _("loyalty programme")
        verbose_name_plural = _("loyalty programmes")

    def __str__(self) -> str:
        return str(_("Loyalty programme"))

    @classmethod
    def current(cls) -> Programme:
        """Return the programme's settings, created with the defaults the first time."""
        programme, _created = cls.objects.get_or_create(pk=1)
        return programme

    def earns_on(self, ordered_at: datetime) -> bool:
        """Whether an order placed at ``ordered_at`` is within the programme (not before
        its start)."""
        return self.starts_at is None or ordered_at >= self.starts_at


class Tier(models.Model):
    """A level of the programme (Bronze, Silver, Gold): what it takes within the window,
    and what it gives. A tier with no minimum is everyone's; with both, both are needed."""

    name = models.CharField(_("name"), max_length=100)
    rank = models.PositiveSmallIntegerField(
        _("rank"), unique=True, help_text=_("Higher ranks are higher tiers."))
    min_spend = models.DecimalField(
        _("minimum spend"), max_digits=14, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("Paid net (orders not cancelled, less returns) within the window."))
    min_points = models.BigIntegerField(
        _("minimum points"), null=True, blank=True, validators=[MinValueValidator(0)],
        help_text=_("Points earned on orders within the window, less their reversals."))
    multiplier = models.DecimalField(
        _("earning multiplier"), max_digits=5, decimal_places=2, default=Decimal("1"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("Points earned are multiplied by this (e.g. 1.25)."))
    birthday_bonus = models.PositiveIntegerField(
        _("birthday bonus"), default=0, help_text=_("Points given on the birthday."))

    class Meta:
        verbose_name = _("tier")
        verbose_name_plural = _("tiers")
        ordering = ["rank"]

    def __str__(self) -> str:
        return self.name


class Multiplier(models.Model):
    """An earning multiplier for one product, or for a category and every category under
    it (the nearest one wins); a product's own beats its categories'. How they combine
    with the tier's: ``multipliers.py``."""

    product = models.ForeignKey("catalog.Product", models.CASCADE, null=True, blank=True,
                                related_name="+", verbose_name=_("product"))
    category = models.ForeignKey("catalog.Category", models.CASCADE, null=True, blank=True,
                                 related_name="+", verbose_name=_("category"))
    multiplier = models.DecimalField(
        _("earning multiplier"), max_digits=5, decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("Points earned on this product's lines are multiplied by this (e.g. 2; "
                    "0 earns nothing)."))

    class Meta:
        verbose_name = _("earning multiplier")
        verbose_name_plural = _("earning multipliers")
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(product__isnull=False, category__isnull=True)
                           | models.Q(product__isnull=True, category__isnull=False)),
                name="loyalty_multiplier_product_or_category",
                violation_error_message=_("Choose a product or a category, not both.")),
            models.UniqueConstraint(fields=["product"], condition=models.Q(product__isnull=False),
                                    name="loyalty_multiplier_one_per_product",
                                    violation_error_message=_("This product has a multiplier "
                                                              "already.")),
            models.UniqueConstraint(fields=["category"],
                                    condition=models.Q(category__isnull=False),
                                    name="loyalty_multiplier_one_per_category",
                                    violation_error_message=_("This category has a multiplier "
                                                              "already.")),
        ]

    def __str__(self) -> str:
        return f"{self.product or self.category}: ×{self.multiplier}"


class Account(models.Model):
    """A customer's points: ``balance`` to spend and ``pending`` locked, kept beside the
    ledger and written only under a row lock of this account (``ledger.py``)."""

    customer = models.OneToOneField(
        "customers.Customer", models.CASCADE, related_name="loyalty_account",
        verbose_name=_("customer"))
    balance = models.BigIntegerField(_("balance"), default=0)
    pending = models.BigIntegerField(_("pending"), default=0)
    # Written by ``tiers.py``: raised at once, lowered only at ``tier_review``.
    tier = models.ForeignKey(Tier, models.PROTECT, null=True, blank=True, related_name="+",
                             verbose_name=_("tier"), db_index=False)
    tier_since = models.DateTimeField(_("tier since"), null=True, blank=True)
    tier_review = models.DateTimeField(_("tier review"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("loyalty account")
        verbose_name_plural = _("loyalty accounts")
        indexes = [
            # The campaign hooks: tier changes since a date, reviews coming up.
            models.Index(fields=["tier_since"], condition=models.Q(tier_since__isnull=False),
                         name="loyalty_account_since_idx"),
            models.Index(fields=["tier_review"], condition=models.Q(tier_review__isnull=False),
                         name="loyalty_account_review_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.balance}"


class MoveKind(models.TextChoices):
    UP = "up", _("Up")
    DOWN = "down", _("Down")
    RENEWED = "renewed", _("Kept at review")


class TierMoveQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise LedgerError(_("Tier moves are never changed."))

    def delete(self):
        raise LedgerError(_("Tier moves are never deleted."))


class TierMove(models.Model):
    """An account's tier changed (up at once, down at review) or was kept at its review:
    written once, by the same statements that move the tier (``tiers.py``)."""

    account = models.ForeignKey(Account, models.CASCADE, related_name="tier_moves",
                                verbose_name=_("account"), db_index=False)
    # Kept while history names them: a tier once held is not deleted.
    from_tier = models.ForeignKey(Tier, models.PROTECT, null=True, blank=True,
                                  related_name="+", verbose_name=_("from tier"),
                                  db_index=False)
    to_tier = models.ForeignKey(Tier, models.PROTECT, null=True, blank=True,
                                related_name="+", verbose_name=_("to tier"), db_index=False)
    at = models.DateTimeField(_("at"))
    kind = models.CharField(_("kind"), max_length=8, choices=MoveKind.choices)

    objects = TierMoveQuerySet.as_manager()

    class Meta:
        verbose_name = _("tier move")
        verbose_name_plural = _("tier moves")
        ordering = ["-at", "-id"]
        indexes = [
            # The programme's moves in a period; an account's history (and its deletion).
            models.Index(fields=["at"], name="loyalty_tiermove_at_idx"),
            models.Index(fields=["account", "at"], name="loyalty_tiermove_account_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.account_id}: {self.from_tier_id} -> {self.to_tier_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise LedgerError(_("Tier moves are never changed."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise LedgerError(_("Tier moves are never deleted."))


class Kind(models.TextChoices):
    EARN = "earn", _("Earned (pending)")
    AVAILABLE = "available", _("Became available")
    REDEEM = "redeem", _("Redeemed")
    EXPIRE = "expire", _("Expired")
    REVERSE = "reverse", _("Reversed")
    RESTORE = "restore", _("Restored")
    ADJUST = "adjust", _("Adjusted")
    BONUS = "bonus", _("Bonus")


class EntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise LedgerError(_("Ledger entries are never changed."))

    def delete(self):
        raise LedgerError(_("Ledger entries are never deleted."))


class Entry(models.Model):
    """One movement of points, written once and never changed.

    ``points`` moves the balance, ``pending_points`` the pending bucket: an earn adds
    pending points; their release moves them (``+p`` and ``-p``); a redemption, expiry or
    reversal of available points takes from the balance.
    """

    # Indexes kept few and partial, each one is paid on a million inserts: the composite
    # indexes below lead with the account and the order, the two unique constraints serve
    # the look-ups by what an entry reverses, and nothing looks entries up by lot.
    # No foreign key in the database (``db_constraint=False``) for the account, the
    # order, the lot, nor ``Lot.account`` and ``Lot.entry``: each key was checked row by
    # row at commit, a third of the batch paths' time (``bulk.py``). They are kept by
    # construction: an entry or a lot is written only under its account's row lock (so
    # the account exists), with the order and lot its statement just read or wrote, and
    # a customer with a ledger cannot be deleted (``ProtectedError``); deleting an order
    # sets its entries' order to null (Django's ``on_delete``). ``tests/test_deleting``.
    account = models.ForeignKey(Account, models.CASCADE, related_name="entries",
                                verbose_name=_("account"), db_index=False,
                                db_constraint=False)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    points = models.BigIntegerField(_("points"), default=0)
    pending_points = models.BigIntegerField(_("pending points"), default=0)
    at = models.DateTimeField(_("at"), default=timezone.now)
    # Unique by a constraint (``Meta``), not ``unique=True``: that adds a second index
    # on PostgreSQL (``varchar_pattern_ops``, for LIKE) that no look-up uses.
    key = models.CharField(_("idempotency key"), max_length=200)
    # The cause: an order, a return, a person with a reason, or a free text such as
    # "campaign:12".
    order = models.ForeignKey("sales.Order", models.SET_NULL, null=True, blank=True,
                              related_name="+", verbose_name=_("order"), db_index=False,
                              db_constraint=False)
    ret = models.ForeignKey("sales.Return", models.SET_NULL, null=True, blank=True,
                            related_name="+", verbose_name=_("return"), db_index=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True,
                             related_name="+", verbose_name=_("by"), db_index=False)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    cause = models.CharField(_("cause"), max_length=100, blank=True)
    reverses = models.ForeignKey("self", models.PROTECT, null=True, blank=True,
                                 related_name="reversals", verbose_name=_("reverses"),
                                 db_index=False)
    # The lot a release, expiry or reversal acted on.
    lot = models.ForeignKey("Lot", models.PROTECT, null=True, blank=True, related_name="+",
                            verbose_name=_("lot"), db_index=False, db_constraint=False)

    objects = EntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["-at", "-id"]
        # Spending a customer's points at the counter, apart from adjusting them.
        permissions = [("redeem_entry", _("Can redeem a customer's points"))]
        constraints = [
            models.UniqueConstraint(fields=["key"], name="loyalty_entry_key_unique"),
            # A whole entry (a redemption restored, an earn cancelled) is reversed once...
            models.UniqueConstraint(fields=["reverses"],
                                    condition=models.Q(reverses__isnull=False,
                                                       ret__isnull=True),
                                    name="loyalty_entry_reversed_once"),
            # ...and an earn once per return of part of its order.
            models.UniqueConstraint(fields=["reverses", "ret"],
                                    condition=models.Q(reverses__isnull=False,
                                                       ret__isnull=False),
                                    name="loyalty_entry_reversed_once_per_return"),
        ]
        indexes = [
            # The statement: an account's entries newest first.
            models.Index(fields=["account", "-at", "-id"], name="loyalty_entry_account_idx"),
            # catch_up's anti-joins: orders and returns without their entry.
            models.Index(fields=["order", "kind"], condition=models.Q(order__isnull=False),
                         name="loyalty_entry_order_idx"),
            models.Index(fields=["ret"], condition=models.Q(ret__isnull=False),
                         name="loyalty_entry_return_idx"),
            # A user's deletion sets their entries' user to null.
            models.Index(fields=["user"], condition=models.Q(user__isnull=False),
                         name="loyalty_entry_user_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.points:+d}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise LedgerError(_("Ledger entries are never changed."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise LedgerError(_("Ledger entries are never deleted."))


class Lot(models.Model):
    """The points of one credit (earn, bonus, credit adjustment, restore): what is left
    of them, when they become available and when they expire."""

    # No foreign keys in the database: see ``Entry.account``.
    account = models.ForeignKey(Account, models.CASCADE, related_name="lots",
                                verbose_name=_("account"), db_index=False,
                                db_constraint=False)
    entry = models.OneToOneField(Entry, models.PROTECT, related_name="credited_lot",
                                 verbose_name=_("entry"), db_constraint=False)
    points = models.BigIntegerField(_("points"))
    remaining = models.BigIntegerField(_("remaining"))
    pending = models.BooleanField(_("pending"), default=False)
    available_at = models.DateTimeField(_("available at"))
    expires_at = models.DateTimeField(_("expires at"))

    class Meta:
        verbose_name = _("lot")
        verbose_name_plural = _("lots")
        constraints = [
            models.CheckConstraint(condition=models.Q(remaining__gte=0),
                                   name="loyalty_lot_remaining_not_negative"),
        ]
        indexes = [
            # A redemption takes an account's available lots soonest-expiring first; the
            # nightly jobs read the lots of a range of accounts (``bulk.settle_due``), or
            # of one (``ledger.settle``). No index on ``pending`` or ``remaining``: the
            # nightly run changes both in every lot it touches.
            models.Index(fields=["account", "expires_at"], name="loyalty_lot_account_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.remaining}/{self.points}"


class LotUse(models.Model):
    """Points a debit (a redemption, a reversal) took from a lot."""

    entry = models.ForeignKey(Entry, models.PROTECT, related_name="lot_uses",
                              verbose_name=_("entry"))
    lot = models.ForeignKey(Lot, models.PROTECT, related_name="uses", verbose_name=_("lot"))
    points = models.BigIntegerField(_("points"))

    class Meta:
        verbose_name = _("lot use")
        verbose_name_plural = _("lot uses")

    def __str__(self) -> str:
        return f"{self.points} from {self.lot_id}"


class ReferralCode(models.Model):
    """The code a customer hands to friends, short and spelt without look-alike letters."""

    customer = models.OneToOneField(
        "customers.Customer", models.CASCADE, related_name="referral_code",
        verbose_name=_("customer"))
    code = models.CharField(_("code"), max_length=16, unique=True)

    class Meta:
        verbose_name = _("referral code")
        verbose_name_plural = _("referral codes")

    def __str__(self) -> str:
        return self.code


class ReferralStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    REWARDED = "rewarded", _("Rewarded")
    REFUSED = "refused", _("Refused")


class Referral(models.Model):
    """One customer brought by another: pending until the first order is kept, then
    rewarded, or refused with the reason."""

    referrer = models.ForeignKey(
        "customers.Customer", models.CASCADE, related_name="loyalty_referrals_made",
        verbose_name=_("referrer"))
    # One referral per referred customer: a second code changes nothing.
    referred = models.OneToOneField(
        "customers.Customer", models.CASCADE, related_name="loyalty_referral",
        verbose_name=_("referred customer"))
    code = models.CharField(_("code"), max_length=16, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=ReferralStatus.choices,
                              default=ReferralStatus.PENDING)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    # The reward (its key is ``referral:<id>``); a customer erased takes their entries.
    entry = models.OneToOneField(Entry, models.SET_NULL, null=True, blank=True,
                                 related_name="referral", verbose_name=_("entry"))

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        indexes = [
            # The job's look-up of what is still to decide, and the monthly cap's count.
            models.Index(fields=["status"], condition=models.Q(status="pending"),
                         name="loyalty_referral_pending_idx"),
            models.Index(fields=["referrer", "decided_at"],
                         name="loyalty_referral_referrer_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.referrer_id} -> {self.referred_id}: {self.status}"
