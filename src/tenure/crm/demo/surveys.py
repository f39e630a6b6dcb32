"""Two surveys, who was asked them over the last year, and what they answered.

"After purchase" (NPS) is sent three days after an order and "After a complaint"
(CSAT) a day after its resolution, to customers who agree to emails, as
``feedback.sending`` sends them: not to a customer asked any survey in the last 90
days (7 days for the complaint survey). About a third answer, within hours mostly; customers who
complained score lower, and slow resolutions lower still. A purchase that went wrong
(``Orders.experience``) is scored as a detractor mostly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tenure.crm.feedback.models import score_tone

from . import baskets, phrases
from .complaints import CLOSED, RESOLVED, Complaints
from .desk import DAY, HOUR, Clientele
from .simulation import FINE


@dataclass(frozen=True)
class Plan:
    name: str
    kind: str
    trigger: str
    delay_days: int
    ask_every_days: int  # Survey.min_interval_days
    answer_share: float


# A complaint is asked about even after a recent purchase survey: a short interval.
SURVEYS = [Plan("After purchase", "nps", "purchase", 3, 90, 0.33),
           Plan("After a complaint", "csat", "complaint", 1, 7, 0.42)]
PURCHASE, COMPLAINT = 0, 1
VALID_DAYS = 30
WINDOW = 365 * DAY
# Chances of each score: NPS 0-10, CSAT 1-5 (first the happier customers).
NPS = [1.5, 1, 1.5, 2, 2.5, 4, 5.5, 12, 18, 24, 28]
NPS_AFTER_COMPLAINT = [5, 3, 4, 5, 6, 8, 9, 14, 15, 14, 17]
NPS_WENT_WRONG = [16, 11, 13, 13, 11, 10, 8, 7, 5, 3, 3]
CSAT_ON_TIME = [4, 6, 15, 35, 40]
CSAT_LATE = [14, 16, 25, 27, 18]
COMMENT_SHARES = {"low": 0.6, "mid": 0.3, "high": 0.35}


@dataclass
class Invitations:
    survey: np.ndarray  # index into SURVEYS
    customer: np.ndarray
    occasion: np.ndarray  # the order or complaint asked about
    at: np.ndarray
    expires: np.ndarray


@dataclass
class Answers:
    invitation: np.ndarray
    customer: np.ndarray
    at: np.ndarray
    score: np.ndarray
    comment: list[str]

    def is_low(self, invitations: Invitations) -> np.ndarray:
        """Return whether each answer calls for a call back."""
        kinds = [SURVEYS[s].kind for s in invitations.survey[self.invitation].tolist()]
        return np.array([score_tone(k, s) == "low" for k, s in zip(
            kinds, self.score.tolist(), strict=True)], dtype=bool)


def draw_surveys(rng, orders: baskets.Orders, complaints: Complaints, people: Clientele,
                 present: int) -> tuple[Invitations, Answers]:
    """Return the invitations sent in the year before ``present`` and their answers."""
    invitations = invite(rng, orders, complaints, people, present)
    return invitations, draw_answers(rng, invitations, orders, complaints, people, present)


def invite(rng, orders: baskets.Orders, complaints: Complaints, people: Clientele,
           present: int) -> Invitations:
    """Return the invitations: each event's, unless the customer was asked lately."""
    resolved = np.array([s in (RESOLVED, CLOSED) for s in complaints.status], dtype=bool)
    events = [
        (PURCHASE, orders.customer, np.flatnonzero(orders.status != baskets.CANCELLED),
         orders.at),
        (COMPLAINT, complaints.customer, np.flatnonzero(resolved), complaints.resolved),
    ]
    parts = []
    for survey, customer, index, at in events:
        due = at[index] + SURVEYS[survey].delay_days * DAY
        # The worker looks for due events every 15 minutes.
        sent = np.minimum(due + rng.integers(0, 900, len(index)), present - 1)
        who = customer[index]
        ok = ((due < present) & (sent >= present - WINDOW) & people.email[who]
              & people.email_consent[who])
        parts.append((np.full(ok.sum(), survey), who[ok], index[ok], sent[ok]))
    survey, customer, occasion, at = (np.concatenate(c) for c in zip(*parts, strict=True))
    kept = space_out(survey, customer, at)
    return Invitations(survey[kept], customer[kept], occasion[kept], at[kept],
                       at[kept] + VALID_DAYS * DAY)


def space_out(survey: np.ndarray, customer: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Return the events to ask about, in time order: those of customers not asked any
    survey within the event's survey's interval before."""
    gap = np.array([p.ask_every_days * DAY for p in SURVEYS])[survey].tolist()
    last, kept = {}, []
    for i in np.lexsort((-survey, at)).tolist():
        who, when = int(customer[i]), int(at[i])
        if when - last.get(who, when - gap[i]) >= gap[i]:
            last[who] = when
            kept.append(i)
    return np.array(kept, dtype=np.int64)


def draw_answers(rng, invitations: Invitations, orders: baskets.Orders, complaints: Complaints,
                 people: Clientele, present: int) -> Answers:
    """Return the answers given before ``present``: a score and sometimes why."""
    n = len(invitations.at)
    share = np.array([p.answer_share for p in SURVEYS])[invitations.survey]
    wait = np.minimum(rng.lognormal(np.log(4 * HOUR), 1.2, n),
                      VALID_DAYS * DAY - HOUR).astype(np.int64)
    answered = np.flatnonzero((rng.random(n) < share) & (invitations.at + wait < present))
    customer = invitations.customer[answered]
    score = draw_scores(rng, invitations, answered, orders.experience, complaints,
                        len(people.manager))
    kinds = [SURVEYS[s].kind for s in invitations.survey[answered].tolist()]
    tones = [score_tone(k, s) for k, s in zip(kinds, score.tolist(), strict=True)]
    roll = rng.random((2, len(answered))).tolist()
    comment = [
        phrases.pick(phrases.COMMENTS[k][t], people.locale[c], r) if says < COMMENT_SHARES[t]
        else ""
        for k, t, c, says, r in zip(kinds, tones, customer.tolist(), *roll, strict=True)
    ]
    return Answers(answered, customer, invitations.at[answered] + wait[answered], score,
                   comment)


def draw_scores(rng, invitations: Invitations, answered: np.ndarray, experience: np.ndarray,
                complaints: Complaints, customers: int) -> np.ndarray:
    """Return the scores: lower after a complaint, lower still when it was resolved late,
    and mostly a detractor's for a purchase that went wrong."""
    first_complaint = np.full(customers, np.iinfo(np.int64).max)
    np.minimum.at(first_complaint, complaints.customer, complaints.at)
    survey, at = invitations.survey[answered], invitations.at[answered]
    occasion = invitations.occasion[answered]
    complained = first_complaint[invitations.customer[answered]] < at
    late = np.zeros(len(answered), dtype=bool)
    about = survey == COMPLAINT
    late[about] = complaints.resolved[occasion[about]] > complaints.due[occasion[about]]
    purchase = survey == PURCHASE
    wrong = np.zeros(len(answered), dtype=bool)
    wrong[purchase] = experience[occasion[purchase]] != FINE
    score = np.empty(len(answered), dtype=np.int64)
    for mask, shares, low in [
        (purchase & ~complained & ~wrong, NPS, 0),
        (purchase & complained & ~wrong, NPS_AFTER_COMPLAINT, 0),
        (wrong, NPS_WENT_WRONG, 0),
        (about & ~late, CSAT_ON_TIME, 1),
        (about & late, CSAT_LATE, 1),
    ]:
        p = np.array(shares, dtype=float)
        score[mask] = low + rng.choice(len(p), mask.sum(), p=p / p.sum())
    return score
