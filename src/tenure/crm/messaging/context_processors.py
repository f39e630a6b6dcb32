"""The number under the bell in the top bar."""

from __future__ import annotations

from functools import cache


def unread_notifications(request) -> dict:
    """Return the signed-in user's unread count, counted once and only if a page shows it."""
    @cache
    def count() -> int:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return 0
        return user.notifications.filter(read_at__isnull=True).count()

    # Templates call a callable value, so pages without the bell run no query.
    return {"unread_notifications": count}
