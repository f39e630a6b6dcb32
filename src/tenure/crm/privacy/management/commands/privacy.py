"""``tenure privacy export --customer ID --out FILE`` and ``tenure privacy erase --customer ID``.

Exit status 0 on success, 1 on failure (no such customer, erasure not confirmed, a file
that cannot be written), 2 on bad usage.
"""

from __future__ import annotations

import os

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from django.utils.translation import gettext as _

from tenure.crm.customers.models import Customer
from tenure.crm.lib.arguments import positive_int
from tenure.crm.privacy import auditing, erasing, exporting

FAILED = 1


class Command(BaseCommand):
    help = _("Export everything held about a person, or erase them.")

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="export|erase")
        export = actions.add_parser(
            "export", help=_("write a ZIP of JSON and CSV files about one customer"))
        export.add_argument("--customer", type=positive_int, required=True, metavar="ID")
        export.add_argument("--out", required=True, metavar="FILE",
                            help=_("the ZIP file to write (readable by its owner only)"))
        erase = actions.add_parser(
            "erase", help=_("anonymise one customer everywhere; orders and figures stay"))
        erase.add_argument("--customer", type=positive_int, required=True, metavar="ID")
        erase.add_argument("--yes", action="store_true", help=_("do not ask for confirmation"))

    def handle(self, *args, action: str, customer: int, **options):
        found = Customer.objects.filter(pk=customer).first()
        if found is None:
            raise CommandError(_("No customer #%(id)s.") % {"id": customer}, returncode=FAILED)
        if action == "export":
            self.export(found, options["out"])
        else:
            self.erase(found, options["yes"])

    def export(self, customer: Customer, out: str) -> None:
        data = exporting.archive(customer)
        try:
            # Personal data: only the owner of the file may read it.
            descriptor = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "wb") as target:
                target.write(data)
        except OSError as exc:
            raise CommandError(_("%(file)s: cannot write it (%(error)s).")
                               % {"file": out, "error": exc.strerror or exc},
                               returncode=FAILED) from exc
        auditing.log_export(customer, via="command line")
        self.stdout.write(_("Exported customer #%(id)s to %(file)s.")
                          % {"id": customer.pk, "file": out})

    def erase(self, customer: Customer, confirmed: bool) -> None:
        if not confirmed and not self.confirm(customer):
            raise CommandError(_("Nothing was erased (not confirmed; --yes erases without "
                                 "asking)."), returncode=FAILED)
        try:
            result = erasing.erase(customer)
        except (DatabaseError, OSError) as exc:
            raise CommandError(_("The erasure failed and nothing was changed: %(error)s")
                               % {"error": exc}, returncode=FAILED) from exc
        self.stdout.write(_("Erased customer #%(id)s: %(counts)s.")
                          % {"id": customer.pk, "counts": result.erasure.summary()})
        for path in result.files_left:
            self.stderr.write(_("Left alone (a database file, e.g. a backup): %(file)s")
                              % {"file": path})
        if result.same_contacts:
            self.stderr.write(_("Customers with the same email or phone, perhaps the same "
                                "person: %(ids)s") % {
                "ids": ", ".join(f"#{pk}" for pk in result.same_contacts)})
        if result.log_emptied is False:
            self.stderr.write(_("The database's write-ahead log could not be emptied while "
                                "other processes read it; it is emptied at the next "
                                "checkpoint."))

    def confirm(self, customer: Customer) -> bool:
        self.stdout.write(_("Erase customer #%(id)s %(customer)s? Their profile and every "
                            "text about them are removed for good; orders and figures stay.")
                          % {"id": customer.pk, "customer": customer})
        try:
            answer = input(_("Type 'yes' to erase: "))
        except (EOFError, OSError):  # no one to answer: standard input closed or absent
            return False
        return answer.strip().lower() == "yes"
