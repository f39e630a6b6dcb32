"""Every movement of loyalty points: earn, release, redeem, expire, reverse, restore, grant,
adjust; and the jobs that keep the ledger in step with orders and returns.

Each operation is one transaction that locks the customer's account row
(``select_for_update``), writes its entry and moves the account's ``balance`` and
``pending`` by the entry's ``points`` and ``pending_points``. Each entry has a unique
idempotency key; an operation replayed with its key finds its entry and changes nothing.

Rules (``Programme`` holds the numbers):

- earn: an order that is not cancelled earns ``floor(total × points_per_unit × t × W / A)``
  points (``total`` is the money paid, after discounts; points used at checkout are a
  discount; ``t`` the tier's multiplier, ``W / A`` its lines' amount-weighted product or
  category multiplier, 1 without lines: ``multipliers.py``), pending until
  ``ordered_at + pending_days``; they then expire ``expiry_days`` later.
- redeem: refused when the points are not above zero, when the balance is short, or when
  ``(points redeemed on the order + points) × point_value > max_share × order.total``;
  takes the soonest-expiring available lots first and records which (``LotUse``).
- reverse, for a return of amount ``r`` of an order of total ``N`` that earned ``P``: the
  points reversed for all of the order's returns so far, ``R = Σ r`` (at most ``N``), are
  ``P - floor(P × (N - R) / N)``; each return reverses what that total adds, once. The
  points come from the order's own lot first, then the soonest-expiring others; what no
  lot covers takes the balance below zero, never dropped. A cancelled order reverses all
  its earned points still standing, once; so does an order marked returned, whatever
  its return records say.
- restore: a cancelled or returned order that was paid with points gives them back once,
  in a new lot that keeps the latest expiry of the lots the redemption took.
- While the balance is negative, credits pay the debt first: a lot credited ``c`` on a
  balance ``b < 0`` keeps ``max(0, b + c)``.
"""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_FLOOR, Decimal

from django.db import IntegrityError, transaction
from django.db.models import Exists, Max, OuterRef, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from tenure.crm.sales.models import Order, OrderStatus, Return

# bonuses and referrals grant through this module: they import it back, read at call time.
from . import bonuses, bulk, multipliers, referrals, tiers
from .models import Account, Entry, Kind, LedgerError, Lot, LotUse, Programme

# Returns and refunds reversed per transaction by catch_up.
SMALL_BATCH = 500


@dataclass(frozen=True)
class Outcome:
    """What a redemption did: applied (``entry``) or refused (``reason``)."""

    applied: bool
    entry: Entry | None = None
    reason: str = ""
    replayed: bool = False


# --- the account and its entries ---------------------------------------------------------

def locked_account(customer_id: int) -> Account:
    """Return the customer's account, locked until the transaction ends; create it when
    missing (a concurrent creation is no error: the row is created once)."""
    account = Account.objects.select_for_update().filter(customer_id=customer_id).first()
    if account is None:
        Account.objects.bulk_create([Account(customer_id=customer_id)], ignore_conflicts=True)
        account = Account.objects.select_for_update().get(customer_id=customer_id)
    return account


def _write(account: Account, kind: str, key: str, at: datetime, *, points: int = 0,
           pending_points: int = 0, **cause) -> Entry:
    """Append an entry and move the locked account by it."""
    entry = Entry.objects.create(account=account, kind=kind, key=key, at=at, points=points,
                                 pending_points=pending_points, **cause)
    account.balance += points
    account.pending += pending_points
    Account.objects.filter(pk=account.pk).update(balance=account.balance,
                                                 pending=account.pending)
    return entry


def _kept(balance_before: int, points: int) -> int:
    """Return what a credit of ``points`` keeps in its lot: the debt is paid first."""
    return points if balance_before >= 0 else max(0, balance_before + points)


def _credit(account: Account, kind: str, key: str, at: datetime, points: int,
            expires_at: datetime, **cause) -> Entry:
    """Credit available points in a new lot."""
    before = account.balance
    entry = _write(account, kind, key, at, points=points, **cause)
    kept = _kept(before, points)
    Lot.objects.create(account=account, entry=entry, points=points, remaining=kept,
                       available_at=at, expires_at=expires_at)
    return entry


def _take(entry: Entry, points: int, now: datetime, first: Lot | None = None) -> int:
    """Take ``points`` from the account's available lots, ``first`` before the others and
    then soonest-expiring first, recording each use; return the points no lot covered."""
    lots = (Lot.objects.filter(account_id=entry.account_id, pending=False, remaining__gt=0,
                               expires_at__gt=now)
            .order_by("expires_at", "id").iterator(chunk_size=50))
    if first is not None:
        first.refresh_from_db(fields=["remaining"])
        lots = itertools.chain([first], (lot for lot in lots if lot.pk != first.pk))
    uses = []
    for lot in lots:
        if points == 0:
            break
        if lot.remaining == 0 or lot.pending or lot.expires_at <= now:
            continue
        taken = min(lot.remaining, points)
        points -= taken
        Lot.objects.filter(pk=lot.pk).update(remaining=lot.remaining - taken)
        uses.append(LotUse(entry=entry, lot=lot, points=taken))
    LotUse.objects.bulk_create(uses)
    return points


def settle(account: Account, now: datetime) -> None:
    """Release the locked account's pending lots whose time has come and expire its lots
    past their date, so its balance is what may be spent at ``now``."""
    due = Q(pending=True, available_at__lte=now) | Q(remaining__gt=0, expires_at__lte=now)
    lots = list(account.lots.filter(due).order_by("id"))
    for lot in lots:
        if lot.pending:
            _release(account, lot, now)
            lot.refresh_from_db(fields=["pending", "remaining"])
    # Released first: a lot released late may be past its date already.
    for lot in lots:
        if not lot.pending and lot.remaining and lot.expires_at <= now:
            _write(account, Kind.EXPIRE, f"expire:lot:{lot.pk}", now, points=-lot.remaining,
                   lot=lot)
            Lot.objects.filter(pk=lot.pk).update(remaining=0)


def _release(account: Account, lot: Lot, now: datetime) -> None:
    if lot.remaining:
        before = account.balance
        _write(account, Kind.AVAILABLE, f"available:lot:{lot.pk}", now,
               points=lot.remaining, pending_points=-lot.remaining, lot=lot)
        Lot.objects.filter(pk=lot.pk).update(pending=False,
                                             remaining=_kept(before, lot.remaining))
    else:
        Lot.objects.filter(pk=lot.pk).update(pending=False)


# --- earning -----------------------------------------------------------------------------

def points_for(total: Decimal, programme: Programme,
               multiplier: Decimal = Decimal("1"),
               weighting: tuple[int, int] = multipliers.NEUTRAL) -> int:
    """Return the points an order of ``total`` earns (``multipliers.py``).

    Parameters
    ----------
    total : Decimal
        The money paid for the order, after discounts.
    programme : Programme
        Its ``points_per_unit`` is the rate.
    multiplier : Decimal
        The earning multiplier of the customer's tier (1 without one).
    weighting : (int, int)
        ``(W_h, A)`` of the order's lines (``multipliers.weighting``); 1 by default.

    Returns
    -------
    int
        ``max(0, floor(total × points_per_unit × multiplier × W / A))``, in integers.

    Examples
    --------
    >>> points_for(Decimal("99.99"), Programme(points_per_unit=Decimal("1")), Decimal("1.25"))
    124
    """
    return multipliers.points(int(total * 100), int(programme.points_per_unit * 10_000),
                              multipliers.hundredths(multiplier), *weighting)


def earn(order: Order, now: datetime | None = None) -> Entry | None:
    """Earn the order's points, pending until its return window ends; then raise the
    customer's tier at once if their standing now earns a higher one.

    Parameters
    ----------
    order : Order
        An order not cancelled, placed at or after the programme's start, earns
        ``P = floor(total × points_per_unit × t × W / A)`` points, ``t`` the multiplier
        of the tier the customer holds as it is recorded, ``W / A`` its lines' weighted
        multiplier (``multipliers.py``; 1 without lines).
    now : datetime, optional
        When the entry is written (default: now).

    Returns
    -------
    Entry or None
        The earn entry (``pending_points = P``, key ``earn:order:ID``) with its lot,
        pending until ``ordered_at + pending_days`` and expiring ``expiry_days`` after
        that; the same entry when replayed; None when the order earns nothing.
    """
    programme = Programme.current()
    if order.status == OrderStatus.CANCELLED or not programme.earns_on(order.ordered_at):
        return None
    weighting = multipliers.weighting(order.pk)
    if points_for(order.total, programme, _MOST, weighting) == 0:
        return None
    key = f"earn:order:{order.pk}"
    now = now or timezone.now()
    with transaction.atomic():
        account = locked_account(order.customer_id)
        if (found := Entry.objects.filter(key=key).first()) is not None:
            return found
        points = points_for(order.total, programme, tiers.multiplier_of(account), weighting)
        if points == 0:
            return None
        entry = _write(account, Kind.EARN, key, now, pending_points=points, order=order)
        available_at = order.ordered_at + timedelta(days=programme.pending_days)
        Lot.objects.create(account=account, entry=entry, points=points, remaining=points,
                           pending=True, available_at=available_at,
                           expires_at=available_at + timedelta(days=programme.expiry_days))
        tiers.upgrade_account(account, now)
    return entry


# Above any tier's multiplier (999.99 at most): an order that earns nothing even with it
# needs no account.
_MOST = Decimal("1000")


# --- spending ----------------------------------------------------------------------------

def redeem(customer_id: int, points: int, key: str, *, order: Order | None = None,
           user=None, reason: str = "", now: datetime | None = None) -> Outcome:
    """Spend ``points`` of the customer's balance, once per ``key``.

    Parameters
    ----------
    customer_id : int
        The customer whose account is locked for the transaction.
    points : int
        Points to spend; refused unless above zero and at most the balance (after the
        account's due lots are released and its lots past their date expired).
    key : str
        Idempotency key: a redemption with a key already written returns its entry and
        changes nothing.
    order : Order, optional
        The order paid; refused when ``(S + points) × point_value > max_share × total``,
        S being the points already redeemed on it.
    user, reason
        Who redeemed, and why.
    now : datetime, optional
        The time of the redemption (default: now).

    Returns
    -------
    Outcome
        ``applied`` with the entry (``replayed`` when the key had been used), or not
        applied with the ``reason``. The entry takes the soonest-expiring lots first
        (``LotUse``).
    """
    if points <= 0:
        return Outcome(False, reason=_("The points to redeem must be above zero."))
    now = now or timezone.now()
    try:
        with transaction.atomic():
            account = locked_account(customer_id)
            if (found := Entry.objects.filter(key=key).first()) is not None:
                return _replayed(found, account, points, key)
            settle(account, now)
            refusal = _refusal(account, points, order)
            if refusal:
                return Outcome(False, reason=refusal)
            entry = _write(account, Kind.REDEEM, key, now, points=-points, order=order,
                           user=user, reason=reason)
            _take(entry, points, now)
            return Outcome(True, entry)
    except IntegrityError:
        # The same key, written at this moment for another customer's account.
        return Outcome(False, reason=_("The key “%(key)s” is already used by another "
                                       "entry.") % {"key": key})


def _replayed(found: Entry, account: Account, points: int, key: str) -> Outcome:
    if found.kind == Kind.REDEEM and found.account_id == account.pk and found.points == -points:
        return Outcome(True, found, replayed=True)
    return Outcome(False, reason=_("The key “%(key)s” is already used by another entry.")
                   % {"key": key})


def _refusal(account: Account, points: int, order: Order | None) -> str:
    if account.balance < points:
        return _("The balance is %(balance)s points, short of %(points)s.") % {
            "balance": account.balance, "points": points}
    if order is None:
        return ""
    if order.customer_id != account.customer_id:
        return _("The order is another customer's.")
    programme = Programme.current()
    spent = -(Entry.objects.filter(order=order, kind=Kind.REDEEM)
              .aggregate(s=Sum("points"))["s"] or 0)
    allowed = order.total * programme.max_share
    if (spent + points) * programme.point_value > allowed:
        return _("Points may pay at most %(share)s%% of the order (%(allowed)s); "
                 "%(points)s points are worth %(value)s.") % {
            "share": round(programme.max_share * 100), "allowed": allowed,
            "points": spent + points, "value": (spent + points) * programme.point_value}
    return ""


def grant(customer_id: int, points: int, reason: str, *, key: str | None = None,
          cause: str = "", user=None, now: datetime | None = None) -> Entry:
    """Give the customer a bonus of ``points``, available at once, with its reason."""
    if points <= 0:
        raise LedgerError(_("A bonus must be above zero points."))
    if not reason.strip():
        raise LedgerError(_("A bonus needs a reason."))
    now = now or timezone.now()
    key = key or f"bonus:{uuid.uuid4().hex}"
    with transaction.atomic():
        account = locked_account(customer_id)
        if (found := Entry.objects.filter(key=key).first()) is not None:
            return found
        expires_at = now + timedelta(days=Programme.current().expiry_days)
        return _credit(account, Kind.BONUS, key, now, points, expires_at, reason=reason,
                       cause=cause, user=user)


def adjust(customer_id: int, points: int, reason: str, *, user=None, key: str | None = None,
           now: datetime | None = None) -> Entry:
    """Add (or, when negative, take) points by hand; a reason is required. Taking more
    than the balance takes it below zero, shown as such."""
    if points == 0:
        raise LedgerError(_("An adjustment must change the balance."))
    if not reason.strip():
        raise LedgerError(_("An adjustment needs a reason."))
    now = now or timezone.now()
    key = key or f"adjust:{uuid.uuid4().hex}"
    with transaction.atomic():
        account = locked_account(customer_id)
        if (found := Entry.objects.filter(key=key).first()) is not None:
            return found
        if points > 0:
            expires_at = now + timedelta(days=Programme.current().expiry_days)
            return _credit(account, Kind.ADJUST, key, now, points, expires_at, reason=reason,
                           user=user)
        settle(account, now)
        entry = _write(account, Kind.ADJUST, key, now, points=points, reason=reason,
                       user=user)
        _take(entry, -points, now)
        return entry


# --- returns and refunds -----------------------------------------------------------------

def reversal_due(earned: int, total: Decimal, returned: Decimal) -> int:
    """Return the points an order's returns take back, all of them together.

    Parameters
    ----------
    earned : int
        P, the points the order earned.
    total : Decimal
        N, the order's total.
    returned : Decimal
        R, the amount of all its returns so far.

    Returns
    -------
    int
        ``P - floor(P × (N - R) / N)``, or P when R >= N: the customer keeps the points
        of what they kept, rounded down as earning is. Each return reverses what it adds
        to this figure, so returns of every part reverse every point whatever the
        rounding.

    Examples
    --------
    >>> reversal_due(300, Decimal("300"), Decimal("99.99"))
    100
    """
    if total <= 0 or returned >= total:
        return earned
    kept = (earned * (total - returned) / total).to_integral_value(ROUND_FLOOR)
    return earned - int(kept)


def reverse_return(ret: Return, now: datetime | None = None) -> Entry | None:
    """Take back the points the returned part of the order earned, once per return; None
    when the order earned nothing (yet)."""
    earned = Entry.objects.filter(order_id=ret.order_id, kind=Kind.EARN).first()
    if earned is None:
        return None
    key = f"reverse:return:{ret.pk}"
    with transaction.atomic():
        account = locked_account(earned.account.customer_id)
        if (found := Entry.objects.filter(key=key).first()) is not None:
            return found
        order = ret.order
        done = Entry.objects.filter(reverses=earned)
        taken = -sum(e.points + e.pending_points for e in done)
        if done.filter(ret__isnull=True).exists():  # cancelled: all reversed already
            due = 0
        else:
            returned = (Return.objects.filter(order=order, pk__in=done.values("ret"))
                        .aggregate(s=Sum("amount"))["s"] or Decimal("0")) + ret.amount
            due = max(0, reversal_due(earned.pending_points, order.total, returned) - taken)
        return _reverse(account, earned, due, key, now or timezone.now(), ret=ret,
                        order=order)


def reverse_order(order: Order, now: datetime | None = None) -> Entry | None:
    """Take back every point a cancelled or wholly returned order earned that still
    stands, once."""
    earned = Entry.objects.filter(order=order, kind=Kind.EARN).first()
    if earned is None:
        return None
    key = f"reverse:order:{order.pk}"
    with transaction.atomic():
        account = locked_account(order.customer_id)
        if (found := Entry.objects.filter(key=key).first()) is not None:
            return found
        taken = -sum(e.points + e.pending_points for e in Entry.objects.filter(reverses=earned))
        return _reverse(account, earned, max(0, earned.pending_points - taken), key,
                        now or timezone.now(), order=order)


def _reverse(account: Account, earned: Entry, due: int, key: str, now: datetime,
             **cause) -> Entry:
    """Write the reversal of ``due`` points of ``earned``: from its lot while pending,
    else from the balance, its own lot first."""
    settle(account, now)
    lot = earned.credited_lot
    lot.refresh_from_db()
    if lot.pending:
        from_pending = min(due, lot.remaining)
        entry = _write(account, Kind.REVERSE, key, now, pending_points=-from_pending,
                       points=-(due - from_pending), reverses=earned, lot=lot, **cause)
        if from_pending:
            Lot.objects.filter(pk=lot.pk).update(remaining=lot.remaining - from_pending)
            LotUse.objects.create(entry=entry, lot=lot, points=from_pending)
        if due > from_pending:
            _take(entry, due - from_pending, now)
        return entry
    entry = _write(account, Kind.REVERSE, key, now, points=-due, reverses=earned, lot=lot,
                   **cause)
    _take(entry, due, now, first=lot)
    return entry


def restore(redemption: Entry, now: datetime | None = None) -> Entry:
    """Give back the points of a redemption whose order was refunded or cancelled, once."""
    if redemption.kind != Kind.REDEEM:
        raise LedgerError(_("Only a redemption can be restored."))
    key = f"restore:{redemption.pk}"
    now = now or timezone.now()
    with transaction.atomic():
        account = locked_account(redemption.account.customer_id)
        if (found := Entry.objects.filter(key=key).first()) is not None:
            return found
        expires_at = (Lot.objects.filter(uses__entry=redemption)
                      .aggregate(m=Max("expires_at"))["m"]
                      or now + timedelta(days=Programme.current().expiry_days))
        return _credit(account, Kind.RESTORE, key, now, -redemption.points, expires_at,
                       reverses=redemption, order_id=redemption.order_id)


# --- the worker's jobs -------------------------------------------------------------------

def catch_up(now: datetime | None = None) -> str:
    """Bring the ledger up to the orders and returns (the worker, every 5 minutes).

    Earns for the orders with no earn entry (set-based, ``bulk.earn_missing``), then
    reverses for the returns and for the cancelled or returned orders without their
    reversal, and restores the points that paid for cancelled or returned orders, in
    transactions of ``SMALL_BATCH``; then gives the bonuses due (``bonuses.catch_up``:
    birthdays are met within minutes of each zone's midnight) and records and decides the
    referrals (``referrals.catch_up``). Run twice, the second run changes nothing.

    Returns
    -------
    str
        What it did, for the worker's record.
    """
    now = now or timezone.now()
    earned = bulk.earn_missing(now, then=lambda cursor: tiers.upgrade(
        "SELECT account_id FROM loyalty_earning", [], now, cursor))
    returns = _each(_returns_to_reverse(), lambda ret: reverse_return(ret, now))
    cancelled = _each(_orders_to_reverse(), lambda order: reverse_order(order, now))
    restored = _each(_redemptions_to_restore(), lambda entry: restore(entry, now))
    return (f"earned {earned}, returns reversed {returns}, cancellations reversed "
            f"{cancelled}, redemptions restored {restored}; {bonuses.catch_up(now)}; "
            f"{referrals.catch_up(now)}")


def nightly(now: datetime | None = None) -> str:
    """Release the pending points whose time has come, expire the lots past their date,
    then review every account's tier (``tiers.review``) (the worker, nightly).

    Set-based (``bulk.settle_due``) but for accounts in debt,
    which pay it lot by lot from what is released to them (``settle``).

    Returns
    -------
    str
        How many lots were released and expired, and the tiers' moves.
    """
    now = now or timezone.now()
    released, expired = bulk.settle_due(now)
    # Accounts in debt pay it from what is released to them, lot by lot.
    indebted = (Account.objects.filter(balance__lt=0, lots__pending=True,
                                       lots__available_at__lte=now)
                .values_list("customer_id", flat=True).distinct())
    for customer_id in indebted.iterator():
        with transaction.atomic():
            settle(locked_account(customer_id), now)
    moves = tiers.review(now)
    return f"released {released} lots, expired {expired}; {moves}"


def _each(rows, apply) -> int:
    """Apply to ``rows`` in transactions of SMALL_BATCH rows; return how many."""
    count, chunk = 0, []
    for row in rows.iterator(chunk_size=SMALL_BATCH):
        chunk.append(row)
        if len(chunk) == SMALL_BATCH:
            count += _apply(chunk, apply)
            chunk = []
    return count + _apply(chunk, apply)


def _apply(chunk: list, apply) -> int:
    with transaction.atomic():
        for row in chunk:
            apply(row)
    return len(chunk)


def _returns_to_reverse():
    earned = Entry.objects.filter(kind=Kind.EARN, order_id=OuterRef("order_id"))
    reversed_ = Entry.objects.filter(kind=Kind.REVERSE, ret_id=OuterRef("pk"))
    return (Return.objects.filter(Exists(earned)).exclude(Exists(reversed_))
            .select_related("order").order_by("pk"))


def _orders_to_reverse():
    earned = Entry.objects.filter(kind=Kind.EARN, order_id=OuterRef("pk"))
    reversed_ = Entry.objects.filter(kind=Kind.REVERSE, order_id=OuterRef("pk"),
                                     ret__isnull=True)
    undone = (OrderStatus.CANCELLED, OrderStatus.RETURNED)
    return (Order.objects.filter(Exists(earned), status__in=undone)
            .exclude(Exists(reversed_)).order_by("pk"))


def _redemptions_to_restore():
    refunded = (OrderStatus.CANCELLED, OrderStatus.RETURNED)
    restored = Entry.objects.filter(kind=Kind.RESTORE, reverses_id=OuterRef("pk"))
    return (Entry.objects.filter(kind=Kind.REDEEM, order__status__in=refunded)
            .exclude(Exists(restored)).select_related("account").order_by("pk"))
