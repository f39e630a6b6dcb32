"""Staff pages of the surveys: the list with their scores, one survey's results and
settings, a new survey, and sending a survey from the customer page.

Every role may see the surveys (``view_survey``); marketers and administrators create and
change them. A sales manager's counts and answers are those of their own customers only.
Sending by hand needs ``add_invitation`` (sales managers, support agents, administrators).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from tenure.crm.customers.access import customers_for_user, get_customer_for_user

from .forms import SendSurveyForm, SurveyForm
from .models import Answer, Invitation, Survey
from .results import results_by_survey
from .sending import SurveyNotSent, send_survey_now

LATEST_ANSWERS = 50


def _require(user, permission: str) -> None:
    if not user.has_perm(permission):
        raise PermissionDenied


def _visible_invitations(user) -> QuerySet:
    """Return the invitations sent to the customers ``user`` may see."""
    return Invitation.objects.filter(customer__in=customers_for_user(user))


@login_required
def survey_list(request):
    """List the surveys with their invitations, answers, response rate and score."""
    _require(request.user, "feedback.view_survey")
    surveys = list(Survey.objects.all())
    results = results_by_survey(surveys, _visible_invitations(request.user))
    return render(request, "feedback/list.html", {
        "rows": [(survey, results[survey.pk]) for survey in surveys],
    })


@login_required
def survey_new(request):
    """Create a survey."""
    _require(request.user, "feedback.add_survey")
    form = SurveyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        survey = form.save()
        messages.success(request, _("The survey was created."))
        return redirect(survey)
    return render(request, "feedback/new.html", {"form": form})


@login_required
def survey_detail(request, pk: int):
    """Show a survey's results and latest answers; save its settings if the user may."""
    _require(request.user, "feedback.view_survey")
    survey = get_object_or_404(Survey.objects.select_related("follow_up_assignee"), pk=pk)
    form = None
    if request.user.has_perm("feedback.change_survey"):
        # Its own copy: an invalid form changes its instance, not the page's heading.
        form = SurveyForm(request.POST or None, instance=Survey.objects.get(pk=pk))
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            form.save()
            messages.success(request, _("The survey was saved."))
            return redirect(survey)
    return render(request, "feedback/detail.html", {
        "survey": survey, "form": form, **_survey_results(survey, request.user),
    })


def _survey_results(survey: Survey, user) -> dict:
    """Return the survey's results and latest answers among the customers ``user`` sees."""
    invitations = _visible_invitations(user).filter(survey=survey)
    answers = (Answer.objects.filter(invitation__in=invitations)
               .select_related("customer", "customer__manager")[:LATEST_ANSWERS])
    return {"results": results_by_survey([survey], invitations)[survey.pk],
            "answers": list(answers)}


@login_required
def send_survey(request, pk: int):
    """Send a survey to customer ``pk`` now; a GET asks which survey."""
    _require(request.user, "feedback.add_invitation")
    customer = get_customer_for_user(request.user, pk)
    form = SendSurveyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        survey = form.cleaned_data["survey"]
        try:
            send_survey_now(survey, customer, by=request.user)
        except SurveyNotSent as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(request, _("The survey “%(survey)s” was sent to %(customer)s.")
                             % {"survey": survey, "customer": customer})
        return redirect(customer)
    return render(request, "feedback/send.html", {"customer": customer, "form": form})
