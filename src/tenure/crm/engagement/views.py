"""Pages of interactions and activities: log a contact, plan and work an activity, the
agenda and its calendar feed.

Everything is reached through a customer the user may see (``access``): a sales manager
works only their own customers' contacts and activities.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tenure.crm.customers.access import get_customer_for_user
from tenure.crm.lib import bounds, formatting

from . import calendar_feed as ical
from .access import activities_for_user, get_activity_for_user, require
from .agenda import LATER_ALL, LATER_SHOWN, agenda_sections, monday_of, week_of
from .forms import ACTIVITY_ACTIONS, ActivityForm, InteractionForm, tomorrow_morning
from .models import CalendarFeed


@login_required
def log_interaction(request, pk: int):
    """Record a call, email, meeting, message or note with a customer."""
    require(request.user, "engagement.add_interaction")
    customer = get_customer_for_user(request.user, pk)
    form = InteractionForm(request.POST or None, customer=customer, user=request.user,
                           kind=request.GET.get("kind", ""))
    if request.method == "POST" and form.is_valid():
        interaction = form.save()
        messages.success(request, _("%(kind)s logged.") % {
            "kind": interaction.get_kind_display()})
        return redirect(customer)
    return render(request, "engagement/interaction_form.html",
                  {"customer": customer, "form": form})


@login_required
def plan_activity(request, pk: int):
    """Plan a call, meeting or task for a customer."""
    require(request.user, "engagement.add_activity")
    customer = get_customer_for_user(request.user, pk)
    form = ActivityForm(request.POST or None, customer=customer, user=request.user,
                        initial={"kind": request.GET.get("kind", "call")})
    if request.method == "POST" and form.is_valid():
        activity = form.save()
        messages.success(request, _("“%(subject)s” planned.") % {"subject": activity.subject})
        return redirect(customer)
    return render(request, "engagement/activity_form.html",
                  {"customer": customer, "form": form})


@login_required
def activity_detail(request, pk: int):
    """Show an activity; complete, reschedule or cancel it."""
    posted = request.method == "POST"
    activity = get_activity_for_user(request.user, pk, edit=posted)
    action = request.POST.get("action", "")
    if posted and action not in ACTIVITY_ACTIONS:
        return HttpResponseBadRequest(_("Unknown action."))
    forms = {name: form_class(request.POST if name == action else None, activity=activity)
             for name, form_class in ACTIVITY_ACTIONS.items()}
    if posted and forms[action].is_valid():
        forms[action].save()
        messages.success(request, _done_message(action, activity))
        # Done or moved from the agenda itself: back to the agenda, where it was.
        back = request.POST.get("next", "")
        if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
            return redirect(back)
        return redirect(activity)
    return render(request, "engagement/activity.html", {
        "activity": activity, "forms": forms, "action": action,
        "can_change": request.user.has_perm("engagement.change_activity"),
    })


def _done_message(action: str, activity) -> str:
    if action == "reschedule":
        return _("The activity was moved to %(time)s.") % {
            "time": formatting.moment(activity.due_at)}
    if action == "complete":
        return _("The activity is done.")
    return _("The activity was cancelled.")


@login_required
def agenda(request):
    """Show the user's planned activities: overdue, today, this week and later; or, with
    ``view=week``, the week of ``week`` (any day of it, YYYY-MM-DD) day by day."""
    activities = activities_for_user(request.user).filter(assignee=request.user)
    feed = CalendarFeed.for_user(request.user)
    context = {"feed_url": request.build_absolute_uri(feed.get_absolute_url()),
               "reschedule_at": tomorrow_morning()}
    if request.GET.get("view") == "week":
        try:
            day = bounds.parse_day(request.GET.get("week", "")) or timezone.localdate()
        except ValueError:
            return HttpResponseBadRequest(_("“week” is a day between %(earliest)s and "
                                            "%(latest)s, written YYYY-MM-DD.") % {
                "earliest": bounds.EARLIEST_DATE, "latest": bounds.LATEST_DATE})
        monday = monday_of(day)
        return render(request, "engagement/agenda_week.html", {
            **context, "days": week_of(activities, monday), "monday": monday,
            "previous": monday - timedelta(days=7), "next": monday + timedelta(days=7),
            "today": timezone.localdate()})
    later_shown = LATER_ALL if request.GET.get("later") == "all" else LATER_SHOWN
    sections = agenda_sections(activities, later_shown=later_shown)
    return render(request, "engagement/agenda.html", {
        **context, "sections": sections, "later_shown": later_shown,
        "showing_all": later_shown == LATER_ALL,
        "planned": sum(len(section.activities) for section in sections),
    })


@login_required
@require_POST
def regenerate_feed(request):
    """Give the user's calendar feed a new address; the old one stops working."""
    require(request.user, "engagement.view_activity")
    CalendarFeed.for_user(request.user).regenerate()
    messages.success(request, _("Your calendar address was changed. Subscribe again with the "
                                "new one; the old address no longer works."))
    return redirect("engagement:agenda")


def calendar_feed(request, token: str):
    """Serve a user's planned activities as iCalendar; the secret token signs them in."""
    feed = get_object_or_404(CalendarFeed.objects.select_related("user"), token=token,
                             user__is_active=True)
    if not feed.user.has_perm("engagement.view_activity"):
        raise Http404
    activities = activities_for_user(feed.user).filter(assignee=feed.user)
    body = ical.build_calendar(feed.user, ical.feed_activities(activities))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="tenure.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response
