"""The public answer pages: no sign-in, the invitation's token is the key.

Each page speaks the customer's language and stands alone (no site navigation): the
question with one button per score, the one-click link from the email that records the
score and asks why, and polite pages for a used, expired or unknown link.
"""

from __future__ import annotations

from contextlib import nullcontext

from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from tenure.crm.customers.models import Channel, ConsentSource

from .answering import add_comment, record_answer
from .forms import WhyForm
from .models import Invitation

# Titles and texts of the notice pages, translated when rendered in the customer's language.
NOT_FOUND = (_("This link does not work"),
             _("It may have been copied incompletely. Please open the link from the email "
               "again."))
EXPIRED = (_("This survey has closed"),
           _("Thank you for wanting to answer. The link was valid for a limited time and no "
             "longer takes answers."))
BAD_SCORE = (_("This score is not on the scale"), _("Please choose one of the scores offered."))


def _invitation(token: str) -> Invitation | None:
    return (Invitation.objects.select_related("survey", "customer__manager", "answer")
            .filter(token=token).first())


def _render(request, invitation: Invitation | None, template: str, context: dict,
            status: int = 200):
    """Render a public page in the customer's language (the visitor's for an unknown link)."""
    language = invitation.customer.message_language if invitation else None
    with translation.override(language) if language else nullcontext():
        response = render(request, f"feedback/public/{template}", {
            "invitation": invitation, "survey": invitation and invitation.survey, **context,
        }, status=status)
        response.headers["Content-Language"] = translation.get_language()
    return response


def _notice(request, invitation: Invitation | None, status: int, notice: tuple):
    title, text = notice
    return _render(request, invitation, "notice.html", {"title": title, "text": text}, status)


def _thanks(request, invitation: Invitation, answer, *, already: bool, form=None,
            commented: bool = False):
    return _render(request, invitation, "thanks.html", {
        "answer": answer, "already": already, "commented": commented,
        "form": form if form is not None else WhyForm(),
    })


@never_cache
@require_safe
def answer(request, token: str):
    """Show the survey's question with one button per score."""
    invitation = _invitation(token)
    if invitation is None:
        return _notice(request, None, 404, NOT_FOUND)
    if invitation.is_answered:
        return _thanks(request, invitation, invitation.answer, already=True)
    if invitation.is_expired:
        return _notice(request, invitation, 410, EXPIRED)
    scores = [(score, invitation.get_score_url(score)) for score in invitation.survey.scale]
    return _render(request, invitation, "question.html", {"scores": scores})


@never_cache
@require_safe
def answer_score(request, token: str, score: int):
    """Record the score clicked in the email (the first click only), then ask why."""
    invitation = _invitation(token)
    if invitation is None:
        return _notice(request, None, 404, NOT_FOUND)
    if not invitation.survey.in_scale(score):
        return _notice(request, invitation, 400, BAD_SCORE)
    if invitation.is_answered:
        return _thanks(request, invitation, invitation.answer, already=True)
    if invitation.is_expired:
        return _notice(request, invitation, 410, EXPIRED)
    if request.method == "HEAD":
        # Mail scanners probe links with HEAD: only a visit records an answer.
        return answer(request, token)
    recorded, created = record_answer(invitation, score)
    return _thanks(request, invitation, recorded, already=not created)


# The token is the capability: whoever holds it may answer, so a forged cross-site post
# could do nothing its sender could not do by opening the link. CSRF's cookie would only
# break the form in mail apps' browsers that refuse cookies.
@csrf_exempt
@never_cache
@require_POST
def answer_why(request, token: str):
    """Store the customer's reason for their score, once."""
    invitation = _invitation(token)
    if invitation is None:
        return _notice(request, None, 404, NOT_FOUND)
    if not invitation.is_answered:
        return redirect(invitation)
    form = WhyForm(request.POST)
    if not form.is_valid():
        return _thanks(request, invitation, invitation.answer, already=False, form=form)
    stored = add_comment(invitation, form.cleaned_data["comment"])
    invitation.answer.refresh_from_db(fields=["comment"])
    return _thanks(request, invitation, invitation.answer, already=not stored,
                   commented=stored)


# Like the why form, the token is the capability; a GET only asks, so a mail scanner
# following the link withdraws nothing.
@csrf_exempt
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def stop_emails(request, token: str):
    """Ask, then withdraw the customer's consent to emails: the link in every survey email."""
    invitation = _invitation(token)
    if invitation is None:
        return _notice(request, None, 404, NOT_FOUND)
    customer = invitation.customer
    if request.method == "POST":
        customer.set_consent(Channel.EMAIL, False, source=ConsentSource.SURVEY_LINK,
                             wording=_stop_wording(customer))
    return _render(request, invitation, "stop.html", {
        "stopped": not customer.consent_email, "email": customer.email})


def _stop_wording(customer) -> str:
    """Return the words of the stop page the customer confirmed, in their language."""
    with translation.override(customer.message_language):
        return "{} {}".format(STOP_QUESTION, STOP_TEXT % {"email": customer.email})


# As stop.html shows them: the same messages, so the record says what the page said.
STOP_QUESTION = _("Stop receiving our emails?")
STOP_TEXT = _("We will no longer write to %(email)s: no surveys, no offers. Emails about your "
              "own orders and complaints still reach you.")
