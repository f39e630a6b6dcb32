"""Record a customer's answer and close the loop: a low score plans a call back.

The call is an ``engagement.Activity`` for the customer's manager (or the survey's
follow-up user), created in the same transaction as the answer, so an answer never
exists without its call, nor a call without its answer. When nobody can take the call,
the administrators are told under their bell instead.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tenure.crm.accounts.models import User
from tenure.crm.engagement.models import Activity, ActivityKind
from tenure.crm.messaging.outbox import notify

from .models import Answer, Invitation

# When the planned call is due: the next working day, in the morning.
CALL_BACK_AT = time(10, 0)


def record_answer(invitation: Invitation, score: int) -> tuple[Answer, bool]:
    """Record ``score`` as the invitation's answer; return it and whether it is new.

    A second click, or a double click racing the first, keeps the first score: the
    one-to-one on the invitation lets only one insert through.
    """
    with transaction.atomic():
        try:
            with transaction.atomic():
                answer = Answer.objects.create(
                    invitation=invitation, customer=invitation.customer,
                    kind=invitation.survey.kind, score=score,
                )
        except IntegrityError:
            return Answer.objects.get(invitation=invitation), False
        plan_call_back(answer)
    return answer, True


def add_comment(invitation: Invitation, comment: str) -> bool:
    """Store why the customer gave their score, once; return False when they had said it."""
    with transaction.atomic():
        # A conditional update: of two racing posts only the first finds the comment empty.
        stored = Answer.objects.filter(invitation=invitation, comment="").update(comment=comment)
        if stored:
            _add_to_call_back(Answer.objects.get(invitation=invitation))
    return bool(stored)


def plan_call_back(answer: Answer) -> Activity | None:
    """Plan a call after a low score, or tell the administrators when nobody can take it."""
    survey = answer.invitation.survey
    if not (survey.follow_up_low_scores and survey.is_low(answer.score)):
        return None
    assignee = _call_back_assignee(answer)
    if assignee is None:
        _tell_administrators(answer)
        return None
    with translation.override(assignee.message_language):
        subject, notes = call_back_text(**_names(answer), comment=answer.comment)
        activity = Activity.objects.create(
            customer=answer.customer, kind=ActivityKind.CALL, assignee=assignee,
            subject=subject, notes=notes,
            due_at=next_working_morning(answer.answered_at), origin=answer.follow_up_origin,
        )
        text = _("%(customer)s gave %(kind)s %(score)s: a call back is planned.") % _names(answer)
        notify(assignee, text[:300], url=activity.get_absolute_url(),
               key=answer.follow_up_origin)
    return activity


def next_working_morning(after: datetime) -> datetime:
    """Return CALL_BACK_AT on the first weekday after ``after``'s day, in local time."""
    day = timezone.localdate(after) + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return timezone.make_aware(datetime.combine(day, CALL_BACK_AT))


def _call_back_assignee(answer: Answer) -> User | None:
    """Return the customer's manager, else the survey's follow-up user, if still active."""
    for user in (answer.customer.manager, answer.invitation.survey.follow_up_assignee):
        if user is not None and user.is_active:
            return user
    return None


def _names(answer: Answer) -> dict:
    return {"customer": answer.customer, "kind": answer.kind.upper(), "score": answer.score,
            "survey": answer.invitation.survey}


def call_back_text(*, customer, kind: str, score: int, survey, comment: str = ""
                   ) -> tuple[str, str]:
    """Return the subject and notes of the call planned after a low score, in the active
    language (``kind`` as shown, e.g. "NPS")."""
    names = {"customer": customer, "kind": kind, "score": score, "survey": survey}
    subject = _("Call back: %(kind)s %(score)s from %(customer)s") % names
    notes = _("%(kind)s %(score)s in the survey “%(survey)s”.") % names
    return subject[:200], f"{notes}\n\n{_why(comment)}" if comment else notes


def _why(comment: str) -> str:
    return _("Why, in the customer's words: %(comment)s") % {"comment": comment}


def _add_to_call_back(answer: Answer) -> None:
    """Append the customer's reason to the notes of the call planned after their answer."""
    calls = Activity.objects.filter(customer=answer.customer, origin=answer.follow_up_origin)
    for call in calls.select_related("assignee"):
        with translation.override(call.assignee.message_language):
            call.notes = f"{call.notes}\n\n{_why(answer.comment)}".strip()
        call.save(update_fields=["notes"])


def _tell_administrators(answer: Answer) -> None:
    """Leave a note for each active administrator: a low score nobody is assigned to."""
    for admin in User.objects.administrators():
        with translation.override(admin.message_language):
            text = _("%(customer)s gave %(kind)s %(score)s and has no manager to call them "
                     "back.") % _names(answer)
        notify(admin, text[:300], url=answer.customer.get_absolute_url(),
               key=f"{answer.follow_up_origin}:{admin.pk}")

