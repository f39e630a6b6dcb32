"""The signed-in user's notifications."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from .models import Notification


@login_required
def notifications(request):
    """List the user's notifications, unread first."""
    notes = request.user.notifications.order_by("read_at", "-created_at", "-id")
    page = Paginator(notes, 50).get_page(request.GET.get("page"))
    return render(request, "messaging/notifications.html", {"page": page})


@login_required
def notification(request, pk: int):
    """Mark one notification read and follow its link."""
    note = get_object_or_404(Notification, pk=pk, user=request.user)
    if note.read_at is None:
        Notification.objects.filter(pk=note.pk).update(read_at=timezone.now())
    safe = url_has_allowed_host_and_scheme(note.url, allowed_hosts={request.get_host()})
    return redirect(note.url if note.url and safe else "messaging:notifications")


@login_required
@require_POST
def read_all(request):
    """Mark every notification of the user read."""
    request.user.notifications.filter(read_at__isnull=True).update(read_at=timezone.now())
    return redirect("messaging:notifications")
