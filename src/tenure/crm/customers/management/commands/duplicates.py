"""``tenure duplicates``: list possible duplicates (pairs), merge two customers, undo a merge."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tenure.crm.customers.duplicates import possible_duplicates
from tenure.crm.customers.merging import MergeError, merge_customers, moved_rows, undo_merge
from tenure.crm.customers.models import Customer, CustomerMerge

BAD_USAGE = 2


class Command(BaseCommand):
    help = _("List customers sharing an email, a phone or an external id; merge two "
             "customers or undo a merge.")

    def add_arguments(self, parser):
        parser.add_argument("--merge", nargs=2, type=int, metavar=("KEEP_ID", "REMOVE_ID"),
                            help=_("Merge customer REMOVE_ID into customer KEEP_ID."))
        parser.add_argument("--undo", type=int, metavar="MERGE_ID",
                            help=_("Undo the merge MERGE_ID."))

    def handle(self, *args, merge=None, undo=None, **options):
        if merge and undo is not None:
            raise CommandError(_("Give either --merge or --undo, not both."),
                               returncode=BAD_USAGE)
        try:
            if merge:
                self.merge(*merge)
            elif undo is not None:
                self.undo(undo)
            else:
                self.list_pairs()
        except MergeError as exc:
            raise CommandError(str(exc)) from exc

    def list_pairs(self) -> None:
        pairs = possible_duplicates()
        if not pairs:
            self.stdout.write(_("No possible duplicates."))
            return
        rows = [(_("Reason"), _("Matching key"), _("Customers"))] + [
            (", ".join(pair.reason_labels), ", ".join(key for _reason, key in pair.reasons),
             ", ".join(f"#{c.pk} {c}" for c in pair.customers))
            for pair in pairs
        ]
        widths = [max(len(row[i]) for row in rows) for i in range(2)]
        for reason, key, customers in rows:
            self.stdout.write(f"{reason:<{widths[0]}}  {key:<{widths[1]}}  {customers}")
        self.stdout.write(ngettext("%(count)d pair of possible duplicates",
                                   "%(count)d pairs of possible duplicates",
                                   len(pairs)) % {"count": len(pairs)})

    def merge(self, kept_id: int, removed_id: int) -> None:
        found = Customer.objects.in_bulk([kept_id, removed_id])
        missing = [pk for pk in (kept_id, removed_id) if pk not in found]
        if missing:
            raise CommandError(_("No customer #%(id)s.") % {"id": missing[0]})
        removed_name = str(found[removed_id])
        merge = merge_customers(found[kept_id], found[removed_id])
        self.stdout.write(_(
            "Merged #%(removed_id)s %(removed)s into #%(kept_id)s %(kept)s: %(rows)d records "
            "moved (merge #%(merge)s; undo with --undo %(merge)s)."
        ) % {"removed_id": removed_id, "removed": removed_name, "kept_id": kept_id,
             "kept": merge.kept, "rows": moved_rows(merge), "merge": merge.pk})

    def undo(self, merge_id: int) -> None:
        merge = CustomerMerge.objects.filter(pk=merge_id).first()
        if merge is None:
            raise CommandError(_("No merge #%(id)s.") % {"id": merge_id})
        restored = undo_merge(merge)
        self.stdout.write(_(
            "Undid merge #%(merge)s: #%(id)s %(customer)s is back with %(rows)d records."
        ) % {"merge": merge_id, "id": restored.pk, "customer": restored,
             "rows": moved_rows(merge)})
