"""Tiers: who holds which, raised at once, lowered only at review, and what is still needed.

A customer's **standing** over a window (since, until] is

- spend: the paid net of their orders placed in it, not cancelled, less those orders' returns;
- points: what those orders earned less what their returns and cancellations reversed.

The tier a standing **earns** is the highest whose minimums it meets (every minimum the tier
sets; a tier with none is everyone's). The window is ``Programme.tier_window_months``.

- Upgrade at once: after points are earned (``ledger.earn`` for one order, ``ledger.catch_up``
  for each batch it earns) an account whose standing over the window ending now earns a
  higher tier takes it, with ``tier_since = now`` and ``tier_review`` ``tier_review_months``
  later.
- Downgrade only at review: ``review`` (the nightly job, from ``ledger.nightly``) lowers an
  account to what its window supports only once ``tier_review`` has come; one that still
  earns its tier keeps it for another ``tier_review_months``.
- Earning uses the multiplier of the tier held when the points are recorded (within minutes
  of the order, by the worker); the order's own upgrade applies from the next order on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.db import connection, transaction
from django.db.models import Count, F, Sum
from django.utils import formats
from django.utils.translation import gettext as _

from tenure.crm.sales.models import Order, OrderStatus, Return

from .bulk import (
    ACCOUNT,
    BATCH,
    ENTRY,
    ORDER,
    _id_ranges,
    _postgres,
    _when,
    batch_commit_unflushed,
    fresh_statistics,
)
from .models import Account, Entry, Kind, MoveKind, Programme, Tier, TierMove

RETURN = Return._meta.db_table


def months_after(when: datetime, months: int) -> datetime:
    """Return ``when`` moved by ``months`` calendar months (the 31st to the month's last)."""
    return when + relativedelta(months=months)


def tier_of(account: Account) -> Tier | None:
    """Return the tier the account holds (its multiplier, its birthday bonus), or None."""
    return account.tier


def multiplier_of(account: Account) -> Decimal:
    """Return the earning multiplier of the account's tier, 1 without one."""
    return account.tier.multiplier if account.tier_id else Decimal("1")


# --- standing, in SQL --------------------------------------------------------------------

def _cents(column: str) -> str:
    if _postgres():
        return f"({column} * 100)::bigint"
    return f"CAST(round({column} * 100) AS INTEGER)"


def _standing_select(since: str, until: str, where: str, tiers: list[Tier],
                     lock: bool = False) -> str:
    """Return SQL selecting each picked account's ``spend`` (in cents) and ``points`` over
    (``since``, ``until``], both SQL expressions over the account ``a``; ``where`` picks
    the accounts ``a`` (locked ``FOR UPDATE`` on PostgreSQL when ``lock``).

    The picked accounts are read once, then each sums its own orders (the (customer,
    ordered_at) index of orders), each order's returns (by order) and its earn and
    reversal entries (by account), in a subquery per account: the work is that of the
    batch, whatever the size of the tables. (Joined as a whole, PostgreSQL hashed every
    order of the window for each batch, twice the time.) A sum no tier asks for is not
    computed (it reads 0). Parameters, in order: ``where``'s, then cancelled status,
    earn kind, reverse kind, each as many times as its part appears (``_standing_params``).
    """
    window = f"o.ordered_at > {since} AND o.ordered_at <= {until}"
    locked = " FOR UPDATE" if lock and _postgres() else ""
    spend = points = "0"
    if any(t.min_spend is not None for t in tiers):
        # Each order's returns by the returns' order index: joined as a third table,
        # SQLite drove the join from every order of the window instead.
        returned = (f"coalesce((SELECT sum({_cents('r.amount')}) FROM {RETURN} r"
                    f" WHERE r.order_id = o.id), 0)")
        spend = (f"coalesce((SELECT sum({_cents('o.total')} - {returned}) FROM {ORDER} o"
                 f" WHERE o.customer_id = a.customer_id AND o.status <> %s AND {window}), 0)")
    if any(t.min_points is not None for t in tiers):
        points = (f"coalesce((SELECT sum(e.points + e.pending_points) FROM {ENTRY} e"
                  f" JOIN {ORDER} o ON o.id = e.order_id WHERE e.account_id = a.id"
                  f" AND e.kind IN (%s, %s) AND {window}), 0)")
    return (f"WITH picked AS (SELECT a.id, a.customer_id, a.tier_id, a.tier_review"
            f" FROM {ACCOUNT} a WHERE {where}{locked})"
            f" SELECT a.id AS account_id, a.tier_id AS held, a.tier_review AS review,"
            f" {spend} AS spend, {points} AS points FROM picked a")


def _standing_params(tiers: list[Tier], where: list, window: list) -> list:
    """Return the parameters of ``_standing_select``: ``window`` is those of its
    ``since`` and ``until``."""
    params = list(where)
    if any(t.min_spend is not None for t in tiers):
        params += [OrderStatus.CANCELLED.value, *window]
    if any(t.min_points is not None for t in tiers):
        params += [Kind.EARN.value, Kind.REVERSE.value, *window]
    return params


def _earned_case(tiers: list[Tier]) -> str:
    """Return SQL for the id of the highest tier ``spend`` and ``points`` meet, else NULL."""
    whens = []
    for tier in sorted(tiers, key=lambda t: -t.rank):
        needs = []
        if tier.min_spend is not None:
            needs.append(f"spend >= {int(tier.min_spend * 100)}")
        if tier.min_points is not None:
            needs.append(f"points >= {int(tier.min_points)}")
        whens.append(f"WHEN {' AND '.join(needs) or '1 = 1'} THEN {int(tier.pk)}")
    return f"CASE {' '.join(whens)} ELSE NULL END" if whens else "NULL"


def _rank_case(column: str, tiers: list[Tier]) -> str:
    """Return SQL for the rank of the tier in ``column``, -1 for none."""
    whens = " ".join(f"WHEN {int(t.pk)} THEN {int(t.rank)}" for t in tiers)
    return f"CASE {column} {whens} ELSE -1 END" if whens else "-1"


# --- review and upgrade ------------------------------------------------------------------

@dataclass
class Moves:
    """What a review did."""

    upgraded: int = 0
    downgraded: int = 0
    renewed: int = 0

    def __str__(self) -> str:
        return (f"tiers: upgraded {self.upgraded}, downgraded {self.downgraded}, "
                f"kept at review {self.renewed}")


def review(now: datetime, batch: int = BATCH) -> Moves:
    """Review every account's tier (the nightly job, run by ``ledger.nightly``).

    Set-based, one transaction per ``batch`` accounts: each account's standing over the
    window ending ``now`` earns a tier; a higher one is taken at once, a lower one (or none)
    only when the account's ``tier_review`` has come, and an account at its review that
    still earns its tier keeps it until the next review.

    Returns
    -------
    Moves
        How many accounts went up, went down, and kept their tier at review.
    """
    moves = Moves()
    tiers = list(Tier.objects.all())
    if not tiers and not Account.objects.filter(tier__isnull=False).exists():
        return moves
    for low, high in _id_ranges(ACCOUNT, batch):
        fresh_statistics(ACCOUNT, ENTRY, ORDER, RETURN)
        with transaction.atomic(), connection.cursor() as cursor:
            batch_commit_unflushed(cursor)
            _move(cursor, tiers, now, "a.id BETWEEN %s AND %s", [low, high], moves,
                  upgrade_only=False)
    return moves


def upgrade(account_ids: str, params: list, now: datetime, cursor=None) -> int:
    """Raise the accounts ``account_ids`` (SQL selecting account ids) whose standing
    earns a higher tier, at once; in the caller's transaction. Return how many."""
    moves = Moves()
    tiers = list(Tier.objects.all())
    if not tiers:
        return 0
    if cursor is None:
        with connection.cursor() as own:
            _move(own, tiers, now, f"a.id IN ({account_ids})", params, moves, True)
    else:
        _move(cursor, tiers, now, f"a.id IN ({account_ids})", params, moves, True)
    return moves.upgraded


def upgrade_account(account: Account, now: datetime) -> bool:
    """Raise one (locked) account at once when its standing earns a higher tier."""
    raised = upgrade("%s", [account.pk], now)
    if raised:
        account.refresh_from_db(fields=["tier", "tier_since", "tier_review"])
    return bool(raised)


def _move(cursor, tiers: list[Tier], now: datetime, where: str, params: list, moves: Moves,
          upgrade_only: bool) -> None:
    programme = Programme.current()
    since = months_after(now, -programme.tier_window_months)
    next_review = _when(months_after(now, programme.tier_review_months))
    at = _when(now)
    if _postgres():
        # The standing's sums are costed far above what they take (under a second per
        # 50,000 accounts), and JIT compiling them took a fifth of that.
        cursor.execute("SET LOCAL jit = off")
    cursor.execute("DROP TABLE IF EXISTS loyalty_tiering")
    cursor.execute("CREATE TEMP TABLE loyalty_tiering AS "
                   + _standing_select("%s", "%s", where, tiers, lock=True),
                   _standing_params(tiers, params, [_when(since), at]))
    rank, held_rank = _rank_case("s.earned", tiers), _rank_case("s.held", tiers)
    due = "s.review IS NOT NULL AND s.review <= %s"
    steps = [(MoveKind.UP, f"{rank} > {held_rank}", [],
              "tier_id = s.earned, tier_since = %s, tier_review = %s", [at, next_review])]
    if not upgrade_only:
        steps += [
            (MoveKind.DOWN, f"{rank} < {held_rank} AND {due}", [at],
             "tier_id = s.earned, tier_since = %s,"
             " tier_review = CASE WHEN s.earned IS NULL THEN NULL ELSE %s END",
             [at, next_review]),
            (MoveKind.RENEWED, f"s.earned = s.held AND {due}", [at], "tier_review = %s",
             [next_review])]
    decided = (f"(SELECT account_id, held, review, {_earned_case(tiers)} AS earned"
               f" FROM loyalty_tiering) s")
    for kind, which, which_params, change, change_params in steps:
        # The move is recorded from the same decision, before the account changes.
        cursor.execute(
            f"INSERT INTO {MOVE} (account_id, from_tier_id, to_tier_id, at, kind)"
            f" SELECT s.account_id, s.held, s.earned, %s, %s FROM {decided} WHERE {which}",
            [at, kind.value, *which_params])
        cursor.execute(f"UPDATE {ACCOUNT} SET {change} FROM {decided}"
                       f" WHERE {ACCOUNT}.id = s.account_id AND {which}",
                       [*change_params, *which_params])
        setattr(moves, _COUNTED[kind], getattr(moves, _COUNTED[kind]) + cursor.rowcount)
    cursor.execute("DROP TABLE loyalty_tiering")


_COUNTED = {MoveKind.UP: "upgraded", MoveKind.DOWN: "downgraded",
            MoveKind.RENEWED: "renewed"}
MOVE = TierMove._meta.db_table


# --- the programme's figures --------------------------------------------------------------

def distribution() -> list[tuple[Tier | None, int]]:
    """Return the members per tier, ``(None, n)`` first for those without one, then
    every tier by rank (those with no member at 0)."""
    counts = dict(Account.objects.order_by().values_list("tier").annotate(n=Count("pk")))
    return [(None, counts.get(None, 0))] + [(tier, counts.get(tier.pk, 0))
                                            for tier in Tier.objects.order_by("rank")]


@dataclass(frozen=True)
class MoveCount:
    """How many accounts went ``from_tier`` -> ``to_tier`` (None: no tier) as ``kind``."""

    from_tier: Tier | None
    to_tier: Tier | None
    kind: str
    count: int

    @property
    def label(self) -> str:
        return str(MoveKind(self.kind).label)


def moves(since: datetime, until: datetime) -> list[MoveCount]:
    """Return the tier moves recorded in [``since``, ``until``), counted per from -> to and
    kind: ups first, then downs, then tiers kept at review, each highest tier first."""
    found = (TierMove.objects.filter(at__gte=since, at__lt=until).order_by()
             .values_list("from_tier", "to_tier", "kind").annotate(n=Count("pk")))
    tiers = Tier.objects.in_bulk()
    order = {MoveKind.UP: 0, MoveKind.DOWN: 1, MoveKind.RENEWED: 2}
    counted = [MoveCount(tiers.get(a), tiers.get(b), kind, n) for a, b, kind, n in found]
    return sorted(counted, key=lambda m: (order[m.kind], -_rank(m.to_tier),
                                          -_rank(m.from_tier)))


def _rank(tier: Tier | None) -> int:
    return -1 if tier is None else tier.rank


# --- the campaign hooks ------------------------------------------------------------------

def changes(since: datetime, until: datetime):
    """Return the tier moves up or down (not a tier kept at its review) in (``since``,
    ``until``], oldest first: for a "tier changed" trigger."""
    return (TierMove.objects.filter(at__gt=since, at__lte=until,
                                    kind__in=[MoveKind.UP, MoveKind.DOWN])
            .order_by("at", "pk"))


def falling_within(now: datetime, days: int) -> list[Account]:
    """Return the accounts whose review comes within ``days`` of ``now`` and whose
    standing so far in the window that review will judge (orders placed after its start,
    up to now) earns less than the tier they hold: for an "approaching downgrade"
    trigger."""
    tiers = list(Tier.objects.all())
    if not tiers:
        return []
    window = Programme.current().tier_window_months
    if _postgres():
        since = f"a.tier_review - make_interval(months => {int(window)})"
    else:
        since = f"strftime('%%Y-%%m-%%d %%H:%%M:%%f', a.tier_review, '-{int(window)} months')"
    select = _standing_select(since, "%s", "a.tier_review > %s AND a.tier_review <= %s",
                              tiers)
    at = _when(now)
    sql = (f"SELECT account_id FROM ({select}) s WHERE"
           f" {_rank_case('(' + _earned_case(tiers) + ')', tiers)} < {_rank_case('held', tiers)}")
    with connection.cursor() as cursor:
        cursor.execute(sql, _standing_params(tiers, [at, _when(now + _days(days))], [at]))
        ids = [row[0] for row in cursor.fetchall()]
    return list(Account.objects.filter(pk__in=ids).select_related("tier")
                .order_by("tier_review", "pk"))


def _days(days: int):
    return relativedelta(days=days)


# --- the preview -------------------------------------------------------------------------

@dataclass(frozen=True)
class Preview:
    """What the customer still needs: ``spend`` and/or ``points`` more (None when the
    tier asks none of it) by ``by`` (None: any time, the tier comes at once) to keep or
    reach ``tier``; ``sentence`` says it to the customer. ``tier`` is None when there is
    nothing to aim for (the top tier, kept)."""

    tier: Tier | None
    keep: bool
    spend: Decimal | None
    points: int | None
    by: datetime | None
    sentence: str


def standing(account: Account, since: datetime, until: datetime) -> tuple[Decimal, int]:
    """Return the account's spend and points over (``since``, ``until``]."""
    orders = (Order.objects.filter(customer_id=account.customer_id, ordered_at__gt=since,
                                   ordered_at__lte=until)
              .exclude(status=OrderStatus.CANCELLED))
    paid = orders.aggregate(s=Sum("total"))["s"] or Decimal("0")
    returned = (Return.objects.filter(order__in=orders).aggregate(s=Sum("amount"))["s"]
                or Decimal("0"))
    points = (Entry.objects.filter(account=account, kind__in=(Kind.EARN, Kind.REVERSE),
                                   order__ordered_at__gt=since, order__ordered_at__lte=until)
              .aggregate(s=Sum(F("points") + F("pending_points")))["s"] or 0)
    return paid - returned, points


def _needed(tier: Tier, spend: Decimal, points: int) -> tuple[Decimal | None, int | None]:
    more_spend = None if tier.min_spend is None else max(Decimal("0"), tier.min_spend - spend)
    more_points = None if tier.min_points is None else max(0, tier.min_points - points)
    return more_spend, more_points


def preview(account: Account, now: datetime) -> Preview:
    """Return what the customer must still spend or earn to keep their tier at its review
    (counting the orders the review's window will hold: placed after ``tier_review`` less
    the window), or, once it is secured or without one, to reach the next tier now."""
    window = Programme.current().tier_window_months
    held = account.tier
    if held is not None and account.tier_review is not None:
        since = months_after(account.tier_review, -window)
        spend, points = standing(account, since, now)
        more = _needed(held, spend, points)
        if any(m for m in more):
            return Preview(held, True, *more, account.tier_review,
                           _sentence(held, True, *more, account.tier_review))
    higher = Tier.objects.filter(rank__gt=held.rank if held else -1).order_by("rank").first()
    if higher is None:
        return Preview(None, True, None, None, account.tier_review,
                       _("Your %(tier)s tier is kept.") % {"tier": held} if held else "")
    spend, points = standing(account, months_after(now, -window), now)
    more = _needed(higher, spend, points)
    return Preview(higher, False, *more, None, _sentence(higher, False, *more, None))


def _sentence(tier: Tier, keep: bool, spend: Decimal | None, points: int | None,
              by: datetime | None) -> str:
    values = {"tier": tier.name, "spend": formats.number_format(spend or 0, 2),
              "points": points or 0,
              "date": formats.date_format(by, "DATE_FORMAT") if by else ""}
    if keep:
        if spend and points:
            text = _("Spend %(spend)s more and earn %(points)s more points by %(date)s to "
                     "keep %(tier)s.")
        elif spend:
            text = _("Spend %(spend)s more by %(date)s to keep %(tier)s.")
        else:
            text = _("Earn %(points)s more points by %(date)s to keep %(tier)s.")
    elif spend and points:
        text = _("Spend %(spend)s more and earn %(points)s more points to reach %(tier)s.")
    elif spend:
        text = _("Spend %(spend)s more to reach %(tier)s.")
    elif points:
        text = _("Earn %(points)s more points to reach %(tier)s.")
    else:
        text = _("Your next order brings %(tier)s.")
    return text % values
