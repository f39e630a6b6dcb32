"""Send a survey to many customers at once (a bulk action of the lists).

A customer who may not be asked now (no email, no consent, asked too recently) is skipped
and counted with the reason in the message: consent decides, not the selection.
"""

from __future__ import annotations

from collections import Counter

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from tenure.crm.customers.bulk import BulkAction, register

from .forms import SendSurveyForm
from .sending import SurveyNotSent, send_survey_now

#: Why customers were skipped, counted without their names; another refusal (the survey
#: itself is off) is said as it is.
REASONS = {"no_email": _("no email address"), "no_consent": _("no consent to emails"),
           "recent": _("asked too recently")}


class BulkSurveyForm(SendSurveyForm):
    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)


def _send(user, customers, data) -> str:
    survey = data["survey"]
    sent, skipped = 0, Counter()
    for customer in customers:
        try:
            send_survey_now(survey, customer, by=user)
        except SurveyNotSent as refusal:
            skipped[str(REASONS.get(refusal.code, refusal))] += 1
        else:
            sent += 1
    text = ngettext("The survey “%(survey)s” was sent to %(count)d customer.",
                    "The survey “%(survey)s” was sent to %(count)d customers.", sent) % {
        "survey": survey, "count": sent}
    if skipped:
        text += " " + ngettext("%(count)d was skipped:", "%(count)d were skipped:",
                               sum(skipped.values())) % {"count": sum(skipped.values())}
        text += " " + "; ".join(f"{reason} ({count})" for reason, count in skipped.items())
    return text


def register_actions() -> None:
    register(BulkAction("survey", _("Send a survey"),
                        lambda user: user.has_perm("feedback.add_invitation"),
                        BulkSurveyForm, _send))
