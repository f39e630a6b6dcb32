"""Messages of the libraries we use that have no Russian or Ukrainian of their own.

Never imported: it exists so that ``makemessages`` finds these msgids in our source and keeps
them in our catalogue (``--no-obsolete`` drops any msgid it does not find here), where they get
their translations. Our catalogue comes before the libraries' own (``LOCALE_PATHS``), so an
entry here also replaces a library's translation. When a library is upgraded, compare its
msgids with these: a changed English text shows up in English again until it is added here.
"""

from __future__ import annotations

from django.utils.translation import gettext_noop, ngettext_lazy

# Django: missing from its Ukrainian catalogue (the import page's source field, the Admin
# index's table headings read out by screen readers), or ungrammatical there ("не може
# складається", "Зробить") on the password page and the consent choices.
DJANGO = [
    gettext_noop("Enter a valid “slug” consisting of letters, numbers, underscores or hyphens."),
    gettext_noop("Your password can’t be entirely numeric."),
    gettext_noop("Select a valid choice. %(value)s is not one of the available choices."),
    gettext_noop("Model name"),
    gettext_noop("Add link"),
    gettext_noop("Change or view list link"),
]

# django-axes (sign-in throttling): Admin's access attempts, failures and logs. It ships
# Russian for some of them, and no Ukrainian. Not listed: its lockout messages (our own
# lockout page, registration/locked_out.html, answers instead) and the words Django's own
# catalogues translate ("Yes", "No").
AXES = [
    gettext_noop("Locked Out"),
    gettext_noop("Form Data"),
    gettext_noop("Meta Data"),
    gettext_noop("Clean up expired attempts"),
    gettext_noop("Cleaned up {count} expired access attempts."),
    gettext_noop("Not set"),
    gettext_noop("Attempt Remaining"),
    gettext_noop("User Agent"),
    gettext_noop("IP Address"),
    gettext_noop("Username"),
    gettext_noop("HTTP Accept"),
    gettext_noop("Path"),
    gettext_noop("Attempt Time"),
    gettext_noop("Access lock out"),
    gettext_noop("access failure"),
    gettext_noop("access failures"),
    gettext_noop("GET Data"),
    gettext_noop("POST Data"),
    gettext_noop("Failed Logins"),
    gettext_noop("access attempt"),
    gettext_noop("access attempts"),
    gettext_noop("Access Attempt"),
    gettext_noop("Expires At"),
    gettext_noop("The time when access attempt expires and is no longer valid."),
    gettext_noop("access attempt expiration"),
    gettext_noop("access attempt expirations"),
    gettext_noop("Logout Time"),
    gettext_noop("Session key hash (sha256)"),
    gettext_noop("access log"),
    gettext_noop("access logs"),
]

# django-otp: the errors of its token forms. Our sign-in and two-factor pages use forms of
# their own (accounts/forms.py), but any page built on django-otp's forms shows these.
OTP = [
    gettext_noop("Please enter your OTP token."),
    gettext_noop("Error generating challenge: {0}"),
    gettext_noop("The selected OTP device is not interactive"),
    gettext_noop("OTP Challenge: {0}"),
    gettext_noop("Invalid token. Please make sure you have entered it correctly."),
    ngettext_lazy(
        "Verification temporarily disabled because of %(failure_count)d failed attempt, "
        "please try again soon.",
        "Verification temporarily disabled because of %(failure_count)d failed attempts, "
        "please try again soon."),
    gettext_noop("Verification of the token is currently disabled"),
    gettext_noop("Please select a device."),
]

# django-auditlog: Admin's log entries (our own audit page, privacy/audit.html, has its
# own words). Not listed: the words Django's own catalogues translate ("Home", "View",
# "Action", "log entry"...), and "From" and "To", which our date filters translate already.
AUDITLOG = [
    gettext_noop("Changes"),
    gettext_noop("Audit log"),
    gettext_noop("Resource Type"),
    gettext_noop("Correlation ID"),
    gettext_noop("Click to filter by records with this correlation id"),
    gettext_noop("Created"),
    gettext_noop("Resource"),
    gettext_noop("Audit log: %s"),
    gettext_noop("create"),
    gettext_noop("update"),
    gettext_noop("delete"),
    gettext_noop("access"),
    gettext_noop("object pk"),
    gettext_noop("object representation"),
    gettext_noop("action"),
    gettext_noop("actor"),
    gettext_noop("remote address"),
    gettext_noop("remote port"),
    gettext_noop("timestamp"),
    gettext_noop("additional data"),
    gettext_noop("actor email"),
    gettext_noop("Created {repr:s}"),
    gettext_noop("Updated {repr:s}"),
    gettext_noop("Deleted {repr:s}"),
    gettext_noop("Logged {repr:s}"),
    gettext_noop("Field"),
    gettext_noop("Relationship"),
    gettext_noop("system"),
    gettext_noop("No field changes"),
    gettext_noop("No log entries found."),
    ngettext_lazy("entry", "entries"),
]
