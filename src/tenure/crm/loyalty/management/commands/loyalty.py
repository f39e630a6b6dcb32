"""``tenure loyalty statement|grant|reward|redeem|code|check``: a customer's points from
the command line; a surprise reward to several; a referral code.

CUSTOMER is the customer's number or ``SOURCE:EXTERNAL_ID``. Exit status 0 on success, 1
when refused or when the check finds differences, 2 on bad usage.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from tenure.crm.customers.models import Customer
from tenure.crm.lib.arguments import positive_int
from tenure.crm.loyalty import bonuses, importing, ledger, referrals
from tenure.crm.loyalty.models import LedgerError
from tenure.crm.loyalty.statement import differences, statement

FAILED = 1


def find_customer(text: str) -> Customer:
    """Return the customer numbered ``text`` or known as ``SOURCE:EXTERNAL_ID``."""
    source, colon, external_id = text.partition(":")
    found = (Customer.objects.filter(source=source, external_id=external_id) if colon
             else Customer.objects.filter(pk=int(text)) if text.isdigit() else None)
    customer = found.first() if found is not None else None
    if customer is None:
        raise CommandError(_("No customer “%(customer)s” (give a number or "
                             "SOURCE:EXTERNAL_ID).") % {"customer": text}, returncode=FAILED)
    return customer


class Command(BaseCommand):
    @property
    def help(self) -> str:
        return _("Loyalty points: a customer's statement, a bonus, a redemption, and the "
                 "check that every balance equals the sum of its ledger entries.")

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True,
                                        metavar="{statement,grant,reward,redeem,code,check,"
                                                "import}")
        common = {"called_from_command_line": getattr(parser, "called_from_command_line",
                                                      None)}
        shown = actions.add_parser("statement", help=_("the balance and every entry"),
                                   **common)
        shown.add_argument("customer", metavar="CUSTOMER",
                           help=_("the customer's number or SOURCE:EXTERNAL_ID"))
        shown.add_argument("--json", action="store_true", dest="as_json",
                           help=_("print JSON with balance, tier and entries"))
        given = actions.add_parser("grant", help=_("give bonus points, available at once"),
                                   **common)
        given.add_argument("customer", metavar="CUSTOMER",
                           help=_("the customer's number or SOURCE:EXTERNAL_ID"))
        given.add_argument("points", type=positive_int, metavar="POINTS")
        given.add_argument("--reason", required=True, help=_("why the points are given"))
        rewarded = actions.add_parser("reward", help=_(
            "give a surprise reward to customers, once per key"), **common)
        rewarded.add_argument("points", type=positive_int, metavar="POINTS")
        rewarded.add_argument("customers", nargs="+", metavar="CUSTOMER",
                              help=_("the customer's number or SOURCE:EXTERNAL_ID"))
        rewarded.add_argument("--reason", required=True, help=_("why the points are given"))
        rewarded.add_argument("--key", required=True, help=_(
            "an idempotency key: the same key again changes nothing"))
        coded = actions.add_parser("code", help=_("the customer's referral code"), **common)
        coded.add_argument("customer", metavar="CUSTOMER",
                           help=_("the customer's number or SOURCE:EXTERNAL_ID"))
        spent = actions.add_parser("redeem", help=_("spend points, once per key"), **common)
        spent.add_argument("customer", metavar="CUSTOMER",
                           help=_("the customer's number or SOURCE:EXTERNAL_ID"))
        spent.add_argument("points", type=positive_int, metavar="POINTS")
        spent.add_argument("--key", required=True, help=_(
            "an idempotency key: the same key again changes nothing"))
        actions.add_parser("check", help=_(
            "prove every balance equals its entries and lots; repairs nothing"), **common)
        moved = actions.add_parser("import", help=_(
            "add balances (or their history) from another system's CSV file: columns "
            "customer, points, and optionally reason and date; the same file again changes "
            "nothing"), **common)
        moved.add_argument("file", type=Path, metavar="FILE")
        moved.add_argument("--source", default="", help=_(
            "read the customer column as external ids of this source"))

    def handle(self, *args, action: str, **options):
        # "import" is a keyword: its method is _import.
        getattr(self, "_import" if action == "import" else action)(**options)

    def statement(self, customer: str, as_json: bool = False, **options) -> None:
        found = find_customer(customer)
        result = statement(found.pk)
        if as_json:
            self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2))
            return
        self.stdout.write(_("%(customer)s: balance %(balance)s, pending %(pending)s")
                          % {"customer": found, "balance": result["balance"],
                             "pending": result["pending"]})
        for entry in result["entries"]:
            self.stdout.write(f"{entry['at'][:16]}  {entry['kind_name']:<20} "
                              f"{entry['points']:+8d} {entry['pending_points']:+8d}  "
                              f"{entry['reason'] or entry['cause'] or entry['key']}")

    def grant(self, customer: str, points: int, reason: str, **options) -> None:
        found = find_customer(customer)
        try:
            ledger.grant(found.pk, points, reason, cause="command line")
        except LedgerError as exc:
            raise CommandError(str(exc), returncode=FAILED) from exc
        self.stdout.write(_("Granted %(points)s points to %(customer)s.")
                          % {"points": points, "customer": found})

    def reward(self, points: int, customers: list[str], reason: str, key: str,
               **options) -> None:
        found = [find_customer(text) for text in customers]
        try:
            given = bonuses.reward(found, points, reason, key=key, cause="command line")
        except LedgerError as exc:
            raise CommandError(str(exc), returncode=FAILED) from exc
        self.stdout.write(_("Rewarded %(count)s customers with %(points)s points; "
                            "%(already)s had it already.")
                          % {"count": given, "points": points, "already": len(found) - given})

    def code(self, customer: str, **options) -> None:
        self.stdout.write(referrals.code_for(find_customer(customer)))

    def redeem(self, customer: str, points: int, key: str, **options) -> None:
        found = find_customer(customer)
        outcome = ledger.redeem(found.pk, points, key, reason="command line")
        if not outcome.applied:
            raise CommandError(outcome.reason, returncode=FAILED)
        message = (_("Already redeemed with this key; nothing changed.") if outcome.replayed
                   else _("Redeemed %(points)s points.") % {"points": points})
        self.stdout.write(message)

    def check(self, **options) -> None:
        found = differences()
        for difference in found:
            self.stderr.write(str(difference))
        if found:
            raise CommandError(_("%(count)s accounts differ from their ledger.")
                               % {"count": len(found)}, returncode=FAILED)
        self.stdout.write(_("Every balance equals its ledger."))

    def _import(self, file: Path, source: str = "", **options) -> None:
        try:
            result = importing.import_balances(file, source=source)
        except OSError as error:
            raise CommandError(_("Could not read %(path)s (%(error)s).") % {
                "path": file, "error": error.strerror or error}, returncode=FAILED) from error
        for rejected in result.rejected:
            self.stderr.write(f"{file}:{rejected.row}: {rejected.field}: {rejected.reason}")
        self.stdout.write(_("%(written)d rows added, %(already)d already imported, "
                            "%(rejected)d rejected.") % {
            "written": result.written, "already": result.already,
            "rejected": len(result.rejected)})
        if result.rejected:
            raise CommandError(_("Some rows were rejected; the others were added."),
                               returncode=FAILED)
