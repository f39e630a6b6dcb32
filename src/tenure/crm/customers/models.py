"""Customers: who they are, how they came, and what they agreed to receive."""

from __future__ import annotations

import zoneinfo
from collections import defaultdict
from datetime import datetime, time
from decimal import Decimal
from functools import cache
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Count, DecimalField, Max, Min, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.urls import get_script_prefix, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tenure.crm.lib import bulk
from tenure.crm.lib.search import digits, fold
from tenure.crm.sales.models import Order, OrderStatus, Return


def validate_time_zone(value: str) -> None:
    """Refuse a name that is not an IANA time zone."""
    if value and value not in time_zone_names():
        raise ValidationError(_("“%(value)s” is not a time zone name such as Europe/Kyiv."),
                              params={"value": value}, code="time_zone")


@cache
def time_zone_names() -> frozenset[str]:
    """Return the IANA time zone names this machine knows."""
    return frozenset(zoneinfo.available_timezones())


@cache
def _detail_url(prefix: str) -> str:
    """Return the customer page's address with ``{}`` for the customer's id."""
    return reverse("customers:detail", args=[987654321]).replace("987654321", "{}")


class Gender(models.TextChoices):
    UNKNOWN = "", _("Unknown")
    FEMALE = "f", _("Female")
    MALE = "m", _("Male")
    OTHER = "o", _("Other")


class Channel(models.TextChoices):
    """Channels a customer can be contacted through, each with its own consent."""

    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")
    MESSENGER = "messenger", _("Messenger")
    PHONE = "phone", _("Phone call")


class Purpose(models.TextChoices):
    """What a consent covers.

    The consent flags let the shop write on its own initiative; messages about the
    customer's own orders and complaints are service messages and need no consent.
    """

    MARKETING = "marketing", _("Offers, greetings, news and surveys")


class ConsentSource(models.TextChoices):
    """How a consent was given or withdrawn."""

    WEB_FORM = "web_form", _("Web form")
    IN_PERSON = "in_person", _("In person")
    PHONE_CALL = "phone_call", _("Phone call")
    WRITTEN_FORM = "written_form", _("Signed written form")
    CUSTOMER_EMAIL = "customer_email", _("The customer's email")
    SURVEY_LINK = "survey_link", _("Link in a survey email")
    IMPORT_FILE = "import_file", _("Import file")
    ERASURE = "erasure", _("Erasure of the person's data")
    CAMPAIGN_LINK = "campaign_link", _("Stop link in a campaign message")
    # Withdrawals the customer sends on the channel itself.
    TELEGRAM_STOP = "telegram_stop", _("/stop sent to the Telegram bot")
    SMS_STOP = "sms_stop", _("STOP sent by SMS")

    @classmethod
    def granting(cls) -> list[ConsentSource]:
        """Return the sources that can grant consent: the customer speaking for themselves.

        A survey link only withdraws; a file only carries a consent given elsewhere,
        so it grants under that other source.
        """
        return [cls.WEB_FORM, cls.IN_PERSON, cls.PHONE_CALL, cls.WRITTEN_FORM,
                cls.CUSTOMER_EMAIL]


# The words a customer agrees to when nothing else was shown to them.
STANDARD_WORDING = {
    "email": _("I agree to receive offers, greetings, news and surveys from the shop by "
               "email. I can withdraw this consent at any time, for example with the link "
               "in every email."),
    "sms": _("I agree to receive offers, greetings, news and surveys from the shop by SMS. "
             "I can withdraw this consent at any time by telling the shop."),
    "messenger": _("I agree to receive offers, greetings, news and surveys from the shop in "
                   "messengers. I can withdraw this consent at any time by telling the shop."),
    "phone": _("I agree that the shop may call me with offers, greetings, news and surveys. "
               "I can withdraw this consent at any time by telling the shop."),
}


class ConsentError(ValueError):
    """A consent change that may not be made, or a history row that may not be altered."""


class Tag(models.Model):
    name = models.CharField(pgettext_lazy("thing", "name"), max_length=64, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self) -> str:
        return self.name


def _order_stat_expressions() -> dict:
    """Return correlated subqueries of a customer's purchases (cancelled orders left out)."""
    # Each subquery walks the (customer, -ordered_at) index of one customer only.
    orders = (
        Order.objects.filter(customer=OuterRef("pk")).exclude(status=OrderStatus.CANCELLED)
        .order_by().values("customer")
    )
    returns = (
        Return.objects.filter(order__customer=OuterRef("pk"))
        .exclude(order__status=OrderStatus.CANCELLED).order_by().values("order__customer")
    )
    money = DecimalField(max_digits=14, decimal_places=2)
    zero = Value(Decimal("0"), output_field=money)

    def agg(queryset, expression):
        return Subquery(queryset.annotate(v=expression).values("v"))

    return {
        "orders_count": Coalesce(agg(orders, Count("pk")), 0),
        "gross_revenue": Coalesce(agg(orders, Sum("total")), zero),
        "returns_count": Coalesce(agg(returns, Count("pk")), 0),
        "returns_amount": Coalesce(agg(returns, Sum("amount")), zero),
        "first_purchase": agg(orders, Min("ordered_at")),
        "last_purchase": agg(orders, Max("ordered_at")),
    }


# The fields folded into ``Customer.search_text``, and the one whose digits are searched.
SEARCHED_FIELDS = ("name", "email", "city", "notes")
SEARCH_SOURCES = (*SEARCHED_FIELDS, "phone")
SEARCH_COLUMNS = ("search_text", "phone_digits")


def search_columns(name: str, email: str, city: str, notes: str, phone: str) -> tuple[str, str]:
    """Return a customer's ``search_text`` and ``phone_digits`` from the fields they fold.

    Each field is folded on its own line, so no search word matches across two fields.
    """
    text = "\n".join(fold(value or "") for value in (name, email, city, notes))
    return text, digits(phone or "")


def refresh_search_columns(pks) -> None:
    """Recompute the search columns of customers ``pks`` after a write that skipped ``save()``.

    Reads and writes in chunks, and rewrites only the rows whose columns changed.
    """
    pks = sorted(set(pks))
    for start in range(0, len(pks), bulk.IN_CHUNK):
        rows = Customer.objects.filter(pk__in=pks[start:start + bulk.IN_CHUNK]).order_by()
        changed = []
        for pk, *values in rows.values_list("pk", *SEARCH_SOURCES, *SEARCH_COLUMNS):
            columns = search_columns(*values[:len(SEARCH_SOURCES)])
            if columns != tuple(values[len(SEARCH_SOURCES):]):
                changed.append((*columns, pk))
        bulk.update(Customer, SEARCH_COLUMNS, changed)


def began_at(acquired_on, created_at: datetime) -> datetime:
    """Return when a customer began: the local midnight of ``acquired_on`` when that is
    earlier than the record's creation, else its creation."""
    if acquired_on is None:
        return created_at
    return min(timezone.make_aware(datetime.combine(acquired_on, time.min)), created_at)


class CustomerQuerySet(models.QuerySet):
    def with_order_stats(self, *names: str) -> CustomerQuerySet:
        """Annotate purchase figures: orders_count, revenue (net of returns), first and
        last purchase, returns_count and returns_amount (all of them unless ``names``)."""
        exprs = _order_stat_expressions()
        exprs["revenue"] = exprs["gross_revenue"] - exprs["returns_amount"]
        del exprs["gross_revenue"]
        return self.annotate(**{name: exprs[name] for name in names or exprs})

    def bought_since(self, since) -> CustomerQuerySet:
        """Return the customers with a purchase at or after ``since``."""
        return self.filter(self._purchase_since(since))

    def no_purchase_since(self, since) -> CustomerQuerySet:
        """Return the customers without a purchase at or after ``since`` (or none at all)."""
        return self.exclude(self._purchase_since(since))

    @staticmethod
    def _purchase_since(since) -> models.Exists:
        return models.Exists(
            Order.objects.filter(customer=OuterRef("pk"), ordered_at__gte=since)
            .exclude(status=OrderStatus.CANCELLED)
        )


class Customer(models.Model):
    """A person or company that buys from the shop."""

    source = models.CharField(
        _("source"), max_length=32, default="manual",
        help_text=_("Where the record came from; external ids are unique per source."),
    )
    external_id = models.CharField(_("external id"), max_length=64, blank=True)
    name = models.CharField(_("name"), max_length=200, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True, help_text=_("E.164"))
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    acquisition_channel = models.CharField(_("acquisition channel"), max_length=64, blank=True)
    acquired_on = models.DateField(_("acquired on"), null=True, blank=True)
    referred_by = models.ForeignKey(
        "self", models.SET_NULL, null=True, blank=True, related_name="referrals",
        verbose_name=_("referred by"),
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True,
        related_name="customers", verbose_name=_("manager"),
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="customers", verbose_name=_("tags"))
    notes = models.TextField(_("notes"), blank=True)
    language = models.CharField(
        _("language"), max_length=8, blank=True, choices=settings.LANGUAGES,
        help_text=_("The language of the messages the customer receives; the shop's when empty."),
    )
    # Kept by save() and by every bulk writer (``refresh_search_columns``); see lib/search.py.
    search_text = models.TextField(_("search text"), blank=True, editable=False)
    phone_digits = models.CharField(_("phone digits"), max_length=20, blank=True,
                                    editable=False)
    consent_email = models.BooleanField(_("email consent"), default=False)
    consent_sms = models.BooleanField(_("SMS consent"), default=False)
    consent_messenger = models.BooleanField(_("messenger consent"), default=False)
    consent_phone = models.BooleanField(_("phone consent"), default=False)
    time_zone = models.CharField(
        _("time zone"), max_length=64, blank=True, validators=[validate_time_zone],
        help_text=_("IANA name such as Europe/Kyiv; the shop's when empty. Birthdays and "
                    "quiet hours follow it."),
    )
    # The Telegram chat the customer bound with the bot's /start link; empty when none.
    telegram_chat_id = models.CharField(_("Telegram chat"), max_length=32, blank=True,
                                        editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = CustomerQuerySet.as_manager()

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"],
                condition=~models.Q(external_id=""),
                name="customer_external_id_unique_per_source",
            )
        ]
        indexes = [
            # The customer list sorts by name and pages; search hits these columns.
            models.Index(fields=["name", "id"], name="customer_name_idx"),
            models.Index(fields=["email"], name="customer_email_idx"),
            # Search matches an external id in any source: the unique index leads with source.
            models.Index(fields=["external_id"], name="customer_external_id_idx"),
            models.Index(fields=["phone"], name="customer_phone_idx"),
            models.Index(fields=["manager", "name"], name="customer_manager_idx"),
            models.Index(fields=["city"], name="customer_city_idx"),
            models.Index(fields=["acquisition_channel"], name="customer_channel_idx"),
            models.Index(fields=["-created_at"], name="customer_created_idx"),
        ]

    def __str__(self) -> str:
        return self.name or self.email or self.phone or f"#{self.external_id or self.pk}"

    def save(self, *args, assigned_by=None, keep_history: bool = True, **kwargs):
        """Save, keeping the search columns and the history of managers (``assigned_by``:
        the user who changed the manager, recorded with the assignment; ``keep_history``
        False for a writer that records many customers' assignments at once)."""
        self.search_text, self.phone_digits = search_columns(
            *(getattr(self, name) for name in SEARCH_SOURCES))
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and set(update_fields) & set(SEARCH_SOURCES):
            kwargs["update_fields"] = {*update_fields, *SEARCH_COLUMNS}
        adding = self._state.adding
        with transaction.atomic():
            super().save(*args, **kwargs)
            if keep_history and (update_fields is None or "manager" in update_fields):
                # Compared with the running assignment, not with the manager this instance
                # was read with: a save of a stale instance keeps the two in step too.
                # A new customer's first manager is theirs since they began.
                CustomerAssignment.objects.record({self.pk: self.manager_id}, by=assigned_by,
                                                  at=self.began_at if adding else None)

    def get_absolute_url(self) -> str:
        # A list links fifty customers: reverse() once per script prefix, then format.
        return _detail_url(get_script_prefix()).format(self.pk)

    @property
    def began_at(self) -> datetime:
        """Return when the customer began (``began_at``)."""
        return began_at(self.acquired_on, self.created_at)

    @property
    def average_check(self) -> Decimal | None:
        """Return revenue per order; needs ``with_order_stats()``."""
        if not self.orders_count:
            return None
        return (self.revenue / self.orders_count).quantize(Decimal("0.01"))

    @property
    def message_language(self) -> str:
        """Return the language to write to the customer in."""
        return self.language or settings.LANGUAGE_CODE

    @property
    def zone(self) -> ZoneInfo:
        """Return the customer's time zone, the shop's when they have none."""
        return ZoneInfo(self.time_zone or settings.TIME_ZONE)

    def consent(self, channel: str) -> bool:
        """Return whether the customer currently agrees to be contacted on ``channel``."""
        return getattr(self, f"consent_{Channel(channel).value}")

    def standard_consent_wording(self, channel: str) -> str:
        """Return the standard words of consent on ``channel``, in the customer's language."""
        with translation.override(self.message_language):
            return str(STANDARD_WORDING[Channel(channel).value])

    @transaction.atomic
    def set_consent(self, channel: str, granted: bool, *, source: str, by=None, at=None,
                    wording: str | None = None, purpose: str = Purpose.MARKETING,
                    file_name: str = ""):
        """Record a consent change on ``channel`` with its purpose, source, wording and time.

        A grant needs a source that can grant (``ConsentSource.granting``); without
        ``wording`` it records the standard words in the customer's language. Nothing
        is written when the consent already has that value.
        """
        field = f"consent_{Channel(channel).value}"
        if granted and source not in ConsentSource.granting():
            raise ConsentError(_("Consent cannot be granted through “%(source)s”.")
                               % {"source": _source_label(source)})
        if getattr(self, field) == granted and self.pk:
            return None
        if wording is None:
            wording = self.standard_consent_wording(channel) if granted else ""
        setattr(self, field, granted)
        self.save(update_fields=[field, "updated_at"])
        return ConsentChange.objects.create(
            customer=self, channel=channel, granted=granted, purpose=purpose, source=source,
            wording=wording, file_name=file_name[:255], changed_by=by,
            changed_at=at or timezone.now(),
        )


def _source_label(source: str) -> str:
    return str(dict(ConsentSource.choices).get(source, source))


class CustomerAssignmentQuerySet(models.QuerySet):
    def current(self) -> CustomerAssignmentQuerySet:
        """Return the assignments still running."""
        return self.filter(ended_at__isnull=True)

    def record(self, managers: dict, *, by=None, at=None) -> int:
        """Record that each customer id of ``managers`` has the manager (id, or None for
        nobody) it maps to from ``at``; return how many changed.

        ``at`` is a time, a dict of times by customer id (a new customer's first manager
        is theirs since they began), or None for now. Ends the running assignment of each
        customer whose manager changes and starts the new one: one SELECT, one UPDATE and
        one INSERT per chunk of customers, whatever their number, in the caller's
        transaction. A customer already with that manager is left alone.
        ``Customer.manager`` itself is the caller's to write.
        """
        now = timezone.now()
        times = at if isinstance(at, dict) else {}
        default = now if at is None or isinstance(at, dict) else at
        by_id = getattr(by, "pk", by)
        items = sorted(managers.items())
        changed = 0
        with transaction.atomic():
            for start in range(0, len(items), bulk.IN_CHUNK):
                chunk = dict(items[start:start + bulk.IN_CHUNK])
                changed += self._record(chunk, by_id, lambda pk: times.get(pk, default))
        return changed

    def _record(self, managers: dict, by_id, at) -> int:
        # Locked: two changes of one customer at once would both end the same stretch
        # (the unique constraint stops a second running one if neither had any).
        running = dict(self.current().select_for_update().filter(customer__in=list(managers))
                       .values_list("customer_id", "manager_id"))
        moved = [pk for pk, manager in managers.items() if running.get(pk) != manager]
        ending = defaultdict(list)  # one UPDATE per end time: usually one
        for pk in moved:
            if pk in running:
                ending[at(pk)].append(pk)
        for when, pks in ending.items():
            self.current().filter(customer__in=pks).update(ended_at=when)
        bulk.insert(CustomerAssignment, ["customer", "manager", "started_at", "assigned_by"], [
            (pk, managers[pk], at(pk), by_id) for pk in moved if managers[pk] is not None])
        return len(moved)


class CustomerAssignment(models.Model):
    """A stretch of time during which a manager looked after a customer.

    The history behind ``Customer.manager``: the running assignment (no ``ended_at``) is
    the customer's manager now, the ended ones say who it was before, so that a figure of
    the past (a manager's revenue, complaints, NPS) counts for who was the manager then.
    A stretch without a manager has no row. Written by ``record``, which every writer of
    ``Customer.manager`` calls in the same transaction (``Customer.save`` does it for one).
    """

    customer = models.ForeignKey(Customer, models.CASCADE, related_name="assignments",
                                 verbose_name=_("customer"))
    # Deleting a user deletes their stretches: their customers have nobody from then on.
    manager = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE,
                                related_name="assignments", verbose_name=_("manager"))
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("assigned by"),
    )

    objects = CustomerAssignmentQuerySet.as_manager()

    class Meta:
        ordering = ["customer", "started_at", "pk"]
        verbose_name = _("assignment to a manager")
        verbose_name_plural = _("assignments to managers")
        constraints = [
            models.UniqueConstraint(fields=["customer"], condition=models.Q(ended_at=None),
                                    name="customer_one_running_assignment"),
        ]
        indexes = [
            models.Index(fields=["customer", "started_at"], name="assignment_customer_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} → {self.manager_id}"


class ConsentChangeQuerySet(models.QuerySet):
    def delete(self):
        raise ConsentError(_("Consent history cannot be deleted."))


class ConsentChange(models.Model):
    """One change of a customer's consent on one channel: the history behind the flags.

    The evidence of a consent: what it covers, how it was given, the words the customer
    saw, who recorded it and when. A row is written once and never edited or deleted;
    a change of mind is a new row.
    """

    customer = models.ForeignKey(
        Customer, models.CASCADE, related_name="consent_changes", verbose_name=_("customer")
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    granted = models.BooleanField(_("granted"))
    purpose = models.CharField(
        _("purpose"), max_length=16, choices=Purpose.choices, default=Purpose.MARKETING
    )
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)
    source = models.CharField(
        _("source"), max_length=64, choices=ConsentSource.choices,
        help_text=_("How the consent was given or withdrawn."),
    )
    wording = models.TextField(
        _("wording"), blank=True, help_text=_("The words the customer agreed to.")
    )
    file_name = models.CharField(
        _("file"), max_length=255, blank=True, help_text=_("The import file it came from.")
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True,
        verbose_name=_("changed by"),
    )

    objects = ConsentChangeQuerySet.as_manager()

    class Meta:
        ordering = ["-changed_at", "-id"]
        verbose_name = _("consent change")
        verbose_name_plural = _("consent changes")
        indexes = [models.Index(fields=["customer", "-changed_at"], name="consent_customer_idx")]

    def __str__(self) -> str:
        return f"{self.customer}: {self.channel} {'+' if self.granted else '-'}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ConsentError(_("Consent history cannot be edited; record a new change."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ConsentError(_("Consent history cannot be deleted."))


class CustomerMerge(models.Model):
    """A merge of two customers, kept so it can be seen and undone.

    ``snapshot`` holds the removed customer's fields and the ids of every row
    that was moved to the kept customer.
    """

    kept = models.ForeignKey(
        Customer, models.CASCADE, related_name="merges", verbose_name=_("kept customer")
    )
    removed_id = models.BigIntegerField(_("removed customer id"))
    snapshot = models.JSONField(_("snapshot"))
    merged_at = models.DateTimeField(_("merged at"), default=timezone.now)
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True,
        verbose_name=_("merged by"),
    )
    undone_at = models.DateTimeField(_("undone at"), null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("undone by"),
    )

    class Meta:
        ordering = ["-merged_at"]
        verbose_name = _("customer merge")
        verbose_name_plural = _("customer merges")

    def __str__(self) -> str:
        return f"#{self.removed_id} → {self.kept}"


class CustomerAlias(models.Model):
    """Another external id of a customer: a merged record's, or one an import matched.

    Imports resolve an alias like the customer's own id, so a merged customer's
    source file, imported again, finds the kept customer instead of bringing the
    removed one back.
    """

    source = models.CharField(_("source"), max_length=32)
    external_id = models.CharField(_("external id"), max_length=64)
    customer = models.ForeignKey(
        Customer, models.CASCADE, related_name="aliases", verbose_name=_("customer")
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["source", "external_id"]
        verbose_name = _("customer alias")
        verbose_name_plural = _("customer aliases")
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"],
                                    name="customer_alias_unique_per_source"),
        ]
        indexes = [
            # Imports look an id up in every source; the unique index leads with source.
            models.Index(fields=["external_id"], name="customer_alias_external_id_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.source}:{self.external_id} → {self.customer}"


class SavedViewQuerySet(models.QuerySet):
    def for_user(self, user, list_name: str) -> SavedViewQuerySet:
        """Return the views of ``list_name`` that ``user`` may open: their own and shared."""
        return self.filter(models.Q(owner=user) | models.Q(shared=True),
                           list_name=list_name).select_related("owner")


class SavedView(models.Model):
    """A list's filters and sort kept under a name: private, or shared with every user.

    Opening a shared view applies its filters to what the reader may see: a sales manager
    still sees only their own customers.
    """

    class List(models.TextChoices):
        CUSTOMERS = "customers", _("Customers")
        AT_RISK = "at_risk", _("At risk")

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE,
                              related_name="saved_views", verbose_name=_("owner"))
    list_name = models.CharField(_("list"), max_length=16, choices=List.choices)
    name = models.CharField(pgettext_lazy("thing", "name"), max_length=80)
    query = models.CharField(_("filters and sort"), max_length=2000, blank=True)
    shared = models.BooleanField(_("shared with everyone"), default=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    objects = SavedViewQuerySet.as_manager()

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        constraints = [models.UniqueConstraint(fields=["owner", "list_name", "name"],
                                               name="saved_view_unique_name")]

    def __str__(self) -> str:
        return self.name


class CustomerStats(models.Model):
    """A customer's purchase figures, kept current by every write of their orders and
    returns (`stats`), so that a list of a hundred thousand customers sorts by them at once.

    A customer who never bought has no row: the lists sort them as having none. The
    customer list shows these figures, the ones it sorts by; the customer's own page
    computes them from the orders themselves (`with_order_stats`).
    """

    customer = models.OneToOneField(Customer, models.CASCADE, primary_key=True,
                                    related_name="stats", verbose_name=_("customer"))
    orders_count = models.PositiveIntegerField(_("orders"), default=0)
    revenue = models.DecimalField(_("revenue"), max_digits=16, decimal_places=2,
                                  default=Decimal("0"))
    last_purchase = models.DateTimeField(_("last purchase"), null=True, blank=True)

    class Meta:
        verbose_name = _("customer's purchase figures")
        verbose_name_plural = _("customers' purchase figures")
        # The customer list reads a page in a figure's order, ties by customer, from these
        # (either direction: an index is read backwards as well); see `SortedByFigure`.
        indexes = [
            models.Index(fields=["revenue", "customer"], name="customer_stats_revenue_idx"),
            models.Index(fields=["orders_count", "customer"], name="customer_stats_orders_idx"),
            models.Index(fields=["last_purchase", "customer"], name="customer_stats_last_idx"),
        ]

    def __str__(self) -> str:
        return str(self.customer_id)
