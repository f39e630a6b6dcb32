"""The shop's everyday work with its customers: complaints, activities, contacts, surveys.

Drawn after the orders, from them: pure like the rest of the simulation. ``present``
is the moment the demo is built; everything before it has happened, the planned
activities lie after it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import agenda
from .complaints import ComplaintEvents, Complaints, draw_complaints
from .contacts import Interactions, draw_interactions
from .desk import Clientele
from .surveys import Answers, Invitations, draw_surveys


@dataclass
class Service:
    present: int  # seconds, as every other time
    complaints: Complaints
    events: ComplaintEvents
    activities: agenda.Activities
    interactions: Interactions
    invitations: Invitations
    answers: Answers

    @property
    def row_count(self) -> int:
        return (len(self.complaints.at) + len(self.events.at) + len(self.activities.due)
                + len(self.interactions.at) + 2 * len(self.invitations.at)
                + len(self.answers.at))


def draw_service(rng, orders, returns, people: Clientele, present: int, first_weekday: int,
                 sla_hours: dict[str, int]) -> Service:
    """Return the work done for the customers up to ``present`` and planned after it."""
    complaints, events = draw_complaints(rng, orders, returns, people, present, sla_hours)
    invitations, answers = draw_surveys(rng, orders, complaints, people, present)
    low = np.flatnonzero(answers.is_low(invitations))
    activities = agenda.Activities.join([
        agenda.draw_history(rng, orders, people, present, first_weekday),
        agenda.draw_ahead(rng, orders, people, present, first_weekday),
        agenda.call_backs(rng, answers.customer[low], answers.at[low], low, people, present,
                          first_weekday),
    ])
    interactions = draw_interactions(rng, orders, complaints, events, activities, people,
                                     present)
    return Service(present, complaints, events, activities, interactions, invitations, answers)
