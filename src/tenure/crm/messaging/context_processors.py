"""The number under the bell in the top bar."""

from __future__ import annotations

from django.utils.functional import SimpleLazyObject


def unread_notifications(request) -> dict:
    """Return the signed-in user's unread count, counted only if a page shows it."""
    def count() -> int:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return 0
        return user.notifications.filter(read_at__isnull=True).count()

    return {"unread_notifications": SimpleLazyObject(count)}
