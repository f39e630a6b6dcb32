"""What the analytics library computed, stored so pages are fast and changes show.

``insights`` is the only adapter between the CRM and ``tenure.analytics``: it
loads tables in bulk, calls the library, and keeps the results here.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Case, Exists, F, OuterRef, Q, Value, When
from django.db.models.functions import Cast, Coalesce, Greatest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tenure.analytics.thresholds import P_ALIVE_FLOOR, SIGNAL_RISK
from tenure.crm.engagement.models import OPEN_STATUSES, Complaint
from tenure.crm.feedback.models import Answer


class Segment(models.TextChoices):
    """The named RFM segments of DESIGN.md (keys match ``tenure.analytics.segments``)."""

    CHAMPIONS = "champions", _("Champions")
    LOYAL = "loyal", _("Loyal")
    POTENTIAL_LOYALIST = "potential_loyalist", _("Potential loyalist")
    NEW = "new", _("New")
    PROMISING = "promising", _("Promising")
    NEED_ATTENTION = "need_attention", _("Need attention")
    ABOUT_TO_SLEEP = "about_to_sleep", _("About to sleep")
    CANT_LOSE = "cant_lose", _("Can't lose them")
    AT_RISK = "at_risk", _("At risk")
    HIBERNATING = "hibernating", _("Hibernating")
    LOST = "lost", _("Lost")


class InsightsRunQuerySet(models.QuerySet):
    def latest_done(self) -> InsightsRun | None:
        """Return the most recent successful refresh, or None."""
        return self.filter(status=InsightsRun.Status.DONE).order_by("-finished_at").first()


class InsightsRun(models.Model):
    """One refresh of the analytics: when, as of which date, and the tables it produced."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    as_of = models.DateField(_("as of"))
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.RUNNING
    )
    error = models.TextField(_("error"), blank=True)
    results = models.JSONField(
        _("results"), default=dict,
        help_text=_("KPI, cohort, segment and ABC/XYZ tables, keyed by name."),
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True,
        verbose_name=_("requested by"),
    )

    objects = InsightsRunQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("insights refresh")
        verbose_name_plural = _("insights refreshes")
        indexes = [models.Index(fields=["status", "-finished_at"], name="insights_run_latest_idx")]

    def __str__(self) -> str:
        return f"{self.as_of} ({self.get_status_display()})"


#: How recent an unhappy survey answer must be to count as a signal.
SIGNAL_DAYS = 90


class CustomerSnapshotQuerySet(models.QuerySet):
    def latest_date(self):
        """Return the date of the latest snapshot, or None when there is none."""
        return self.order_by("-taken_on").values_list("taken_on", flat=True).first()

    def of_latest_date(self) -> CustomerSnapshotQuerySet:
        """Return the snapshots of the latest snapshot date (none when there is none)."""
        return self.filter(taken_on=self.latest_date())

    def at_risk(self, threshold: float, now=None) -> CustomerSnapshotQuerySet:
        """Return the latest customers whose chance of leaving reaches ``threshold``, most
        expected value lost first.

        The rule, so a manager acts where acting is worth most:

        - **value if they stay** (``value_if_stay``) = CLV / P(alive). The stored CLV is
          the purchase model's expected margin, and a BTYD model's expected purchases are
          P(alive) x the purchases of a customer still active; CLV is therefore already
          discounted by the chance the customer has gone. Multiplying it by the churn
          risk would count leaving twice and push every safe, big customer (a champion
          who bought last week) above the ones actually slipping away. P(alive) is
          floored at ``P_ALIVE_FLOOR`` so that a tiny CLV of someone almost surely gone is
          not blown up by a division by almost nothing; without P(alive) the CLV is used.
        - **chance of leaving** (``leaving``) = the churn risk, raised to at least
          ``SIGNAL_RISK`` when something real says so now: a complaint still open or an
          unhappy survey answer (NPS 0-6, CSAT 1-2, CES 4-5) in the last
          ``SIGNAL_DAYS`` days (``signal``). The nightly model may not have seen them yet
          (they came in today), and one unheard complaint is reason enough to call. A
          broken buying rhythm is the churn model's own strongest reason ("overdue"), so
          it is already in the risk.
        - **expected value lost** (``value_at_risk``) = value if they stay x chance of
          leaving; the list is ordered by it, then by the chance of leaving.

        The rule and its constants are the library's (`tenure.analytics.value.value_at_risk`,
        which the offline report uses); this is its SQL, so the database orders the list.
        """
        since = (now or timezone.now()) - timedelta(days=SIGNAL_DAYS)
        customer = OuterRef("customer_id")
        complaint = Complaint.objects.filter(customer=customer, status__in=OPEN_STATUSES)
        unhappy = Answer.objects.filter(customer=customer, answered_at__gte=since).filter(
            Q(kind="nps", score__lte=6) | Q(kind="csat", score__lte=2)
            | Q(kind="ces", score__gte=4))
        signal = Exists(complaint) | Exists(unhappy)
        risk = Coalesce(F("churn_risk"), Value(0.0))
        leaving = Case(When(signal, then=Greatest(risk, Value(SIGNAL_RISK))), default=risk,
                       output_field=models.FloatField())
        p_alive = Greatest(Coalesce(F("p_alive"), Value(1.0)), Value(P_ALIVE_FLOOR))
        value_if_stay = Cast("clv", models.FloatField()) / p_alive
        return (self.of_latest_date().filter(churn_risk__isnull=False)
                .annotate(signal=signal, leaving=leaving, value_if_stay=value_if_stay)
                .filter(leaving__gte=threshold)
                .annotate(value_at_risk=F("value_if_stay") * F("leaving"))
                .order_by(F("value_at_risk").desc(nulls_last=True), "-leaving", "pk"))


class CustomerSnapshot(models.Model):
    """A customer's scores on one snapshot date; successive snapshots show transitions."""

    customer = models.ForeignKey(
        "customers.Customer", models.CASCADE, related_name="snapshots",
        verbose_name=_("customer"),
    )
    taken_on = models.DateField(_("snapshot date"))
    orders = models.PositiveIntegerField(_("orders"), default=0)
    revenue = models.DecimalField(_("revenue"), max_digits=14, decimal_places=2, default=0)
    first_purchase = models.DateField(_("first purchase"), null=True, blank=True)
    last_purchase = models.DateField(_("last purchase"), null=True, blank=True)
    frequency = models.PositiveIntegerField(_("repeat purchases"), default=0)
    recency_days = models.PositiveIntegerField(_("days since last purchase"), null=True)
    r_score = models.PositiveSmallIntegerField(_("R"), null=True)
    f_score = models.PositiveSmallIntegerField(_("F"), null=True)
    m_score = models.PositiveSmallIntegerField(_("M"), null=True)
    segment = models.CharField(_("segment"), max_length=24, choices=Segment.choices, blank=True)
    abc = models.CharField(_("ABC class"), max_length=1, blank=True)
    xyz = models.CharField(
        _("XYZ class"), max_length=8, blank=True,
        help_text=_("X, Y, Z, or 'new' when there is too little history."),
    )
    cluster = models.PositiveSmallIntegerField(_("cluster"), null=True, blank=True)
    clv = models.DecimalField(
        _("customer lifetime value"), max_digits=14, decimal_places=2, null=True, blank=True,
        help_text=_("Expected margin of the next 12 months, discounted monthly."),
    )
    p_alive = models.FloatField(
        _("probability still a customer"), null=True, blank=True,
        help_text=_("The purchase model's probability that the customer has not left."),
    )
    expected_purchases = models.FloatField(
        _("expected purchases, next 90 days"), null=True, blank=True,
    )
    churn_risk = models.FloatField(
        _("churn risk"), null=True, blank=True,
        help_text=_("Probability of no purchase within the customer's churn horizon."),
    )
    churn_reasons = models.JSONField(
        _("churn reasons"), default=list, blank=True,
        help_text=_("The reasons the churn model gives, most important first."),
    )

    objects = CustomerSnapshotQuerySet.as_manager()

    class Meta:
        verbose_name = _("customer snapshot")
        verbose_name_plural = _("customer snapshots")
        constraints = [
            models.UniqueConstraint(fields=["customer", "taken_on"], name="snapshot_unique_day")
        ]
        indexes = [
            # The segment pages and the customer list's segment filter read one date.
            models.Index(fields=["taken_on", "segment"], name="snapshot_segment_idx"),
            models.Index(fields=["taken_on", "abc", "xyz"], name="snapshot_abcxyz_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} @ {self.taken_on}: {self.segment}"


class StoredPerformance(models.Model):
    """The Managers page's figures of every manager in one kind of period, as last computed.

    The page serves them while their ``fingerprint`` (of the tables they read) still holds;
    when it no longer does, a running worker computes them again in the background
    (`performance.refresh_stored`) and the page meanwhile shows these, saying when they
    were computed (`performance.recent_performance`).
    """

    period = models.CharField(_("period"), max_length=8)
    language = models.CharField(_("language"), max_length=8)
    fingerprint = models.CharField(max_length=64)
    # A pickled `performance.Performance`, written only by this code.
    figures = models.BinaryField()
    computed_at = models.DateTimeField(_("computed"), default=timezone.now)

    class Meta:
        verbose_name = _("managers' figures")
        verbose_name_plural = _("managers' figures")
        constraints = [models.UniqueConstraint(fields=["period", "language"],
                                               name="stored_performance_unique")]

    def __str__(self) -> str:
        return f"{self.period} ({self.language}) @ {self.computed_at}"
