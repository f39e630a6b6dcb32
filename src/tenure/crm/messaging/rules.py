"""The rules every marketing message obeys: quiet hours and the frequency cap.

``next_allowed`` is pure (no database, no clock): the worker calls it just
before sending, and a campaign can call it when queuing, so a message is
queued for the moment it may leave rather than claimed and put back. The
third rule, consent, belongs to the customers app and reaches the worker
through ``hooks.consent_gate``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class QuietHours:
    """A daily span of local time when no marketing is sent; it may cross midnight."""

    start: time
    end: time

    @classmethod
    def parse(cls, text: str) -> QuietHours | None:
        """Read ``"21:00-09:00"``; None for an empty text (no quiet hours)."""
        if not text.strip():
            return None
        try:
            start, end = (time.fromisoformat(part.strip()) for part in text.split("-"))
        except ValueError as error:
            raise ImproperlyConfigured(
                f"Quiet hours {text!r} are not of the form 21:00-09:00") from error
        return cls(start, end)

    def contains(self, moment: time) -> bool:
        """Return whether the local time ``moment`` falls in the quiet hours."""
        if self.start <= self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end

    def end_after(self, local: datetime) -> datetime:
        """Return the first end of the quiet hours after the local datetime ``local``."""
        end = datetime.combine(local.date(), self.end, tzinfo=local.tzinfo)
        return end if end > local else end + timedelta(days=1)


def next_allowed(
    now: datetime,
    *,
    time_zone: str = "",
    sent: Iterable[datetime] = (),
    quiet_hours: QuietHours | None | str = "default",
    cap: int | None = None,
    cap_window: timedelta | None = None,
) -> datetime:
    """Return the earliest moment at or after ``now`` a marketing message may be sent.

    Parameters
    ----------
    now : aware datetime
        The moment the message would otherwise go (usually ``timezone.now()``, or the
        send time a campaign plans).
    time_zone : str
        The recipient's IANA zone (``Message.time_zone``, ``Customer.time_zone``); the
        shop's ``TIME_ZONE`` when empty. Quiet hours are the recipient's local hours.
    sent : iterable of aware datetimes
        When this customer's earlier marketing messages went, on every channel: those
        sent, handed over or unconfirmed (a message in flight counts as sent ``now``).
        Only those within ``cap_window`` before the answer matter.
        ``Message.objects.marketing_sends(customer_ids, now, days)`` reads them for many
        customers in one query (a campaign queuing to a whole audience).
    quiet_hours : QuietHours, None or "default"
        None for no quiet hours; by default ``TENURE_QUIET_HOURS`` (21:00-09:00).
    cap, cap_window : int, timedelta
        At most ``cap`` marketing messages in any ``cap_window``; by default
        ``TENURE_MARKETING_CAP`` (2) in ``TENURE_MARKETING_CAP_DAYS`` (7 days).

    Returns
    -------
    datetime
        ``now`` itself when nothing holds the message. Otherwise the cap first moves it to
        when the oldest message that fills the cap leaves the window (``cap`` sends in the
        window: the earliest of the last ``cap`` of them, plus the window), then quiet
        hours move it to their end, 09:00 local by default. Moving later never lets an
        earlier send back into the window, so the answer obeys both rules.

    Examples
    --------
    Two messages on Monday and Tuesday at noon UTC fill a cap of 2 in 7 days, so a third
    waits until the next Monday noon; in Kyiv (UTC+2 in winter) that is 14:00, not quiet:

    >>> from datetime import timezone as tz
    >>> monday = datetime(2026, 12, 7, 12, tzinfo=tz.utc)
    >>> next_allowed(monday + timedelta(days=2), time_zone="Europe/Kyiv",
    ...              sent=[monday, monday + timedelta(days=1)],
    ...              quiet_hours=QuietHours(time(21), time(9)), cap=2,
    ...              cap_window=timedelta(days=7)).isoformat()
    '2026-12-14T12:00:00+00:00'
    """
    if quiet_hours == "default":
        quiet_hours = QuietHours.parse(settings.TENURE_QUIET_HOURS)
    cap = settings.TENURE_MARKETING_CAP if cap is None else cap
    window = (timedelta(days=settings.TENURE_MARKETING_CAP_DAYS) if cap_window is None
              else cap_window)
    moment = _after_cap(now, sorted(sent), cap, window)
    if quiet_hours is not None:
        local = moment.astimezone(ZoneInfo(time_zone or settings.TIME_ZONE))
        if quiet_hours.contains(local.time()):
            moment = quiet_hours.end_after(local)
    return moment


def _after_cap(now: datetime, sent: list[datetime], cap: int, window: timedelta) -> datetime:
    recent = [moment for moment in sent if moment > now - window]
    if len(recent) < cap:
        return now
    # The send that must leave the window to free a place: the cap-th from the newest.
    return max(now, recent[-cap] + window)
