"""Load customers: upsert by (source, external id), with tags, referrers and consent history.

Only mapped columns are written; an empty cell clears the field, except a
consent, which an empty cell leaves as it is. Each consent that changes is
recorded as a ConsentChange, as ``Customer.set_consent`` records it.

A row whose id the source does not know updates the customer ``matching`` finds for
it (an alias, the same id in another source, the same email or phone) and its id
becomes an alias of that customer, rather than adding the same person twice. When
several rows find one customer, the row of the customer's own id is written; a row
that found them through an alias (a merged record) is passed over, and any other is
rejected as describing the same customer as the written row.

A file is not where consent is given: a file that grants consent must name how
the customers gave it and the words they agreed to (``ConsentEvidence``), which
every grant records with the file's name and the user; without them the whole
file is refused. Withdrawals are always honoured, with the file as their source.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tenure.crm.customers import search_index
from tenure.crm.customers.models import (
    SEARCH_COLUMNS,
    SEARCH_SOURCES,
    Channel,
    ConsentChange,
    ConsentSource,
    Customer,
    CustomerAssignment,
    Purpose,
    Tag,
    began_at,
    refresh_search_columns,
    search_columns,
)
from tenure.crm.lib import bulk

from ..models import ImportKind
from ..parsing import parse_bool, parse_date, parse_gender, parse_text
from ..reading import ImportFileError
from ..rows import Rows
from .base import ConsentEvidence, Context, Counts, reject_repeats, split_changes, user_finder
from .matching import CustomerMatcher, Match, Person, Via, parse_email, parse_phone, tally

CONSENTS = {f"consent_{channel.value}": channel.value for channel in Channel}
LENGTH = {f.name: f.max_length for f in Customer._meta.fields if f.max_length}


def _tags(text: str) -> frozenset:
    return frozenset(t.strip()[:64] for t in text.split(",") if t.strip())


# Model field -> parser of the file field of the same name.
SCALARS = {
    "email": parse_email,
    "phone": parse_phone,
    "birth_date": parse_date,
    "gender": parse_gender,
    "city": parse_text(LENGTH["city"]),
    "acquisition_channel": parse_text(LENGTH["acquisition_channel"]),
    "acquired_on": parse_date,
    "notes": str,
}
BLANK = {"email": "", "phone": "", "gender": "", "city": "", "acquisition_channel": "",
         "notes": "", "name": ""}


def load(rows: Rows, ctx: Context) -> Counts:
    """Insert new customers, update changed ones, record consent changes."""
    ids = rows.parse("external_id", parse_text(64), required=True)
    cols = {name: rows.parse(name, parser) for name, parser in SCALARS.items() if rows.has(name)}
    if (names := _names(rows)) is not None:
        cols["name"] = names
    if rows.has("manager"):
        cols["manager"] = _managers(rows)
    consents = {name: rows.parse(name, parse_bool) for name in CONSENTS if rows.has(name)}
    tags = rows.parse("tags", _tags) if rows.has("tags") else None
    referrers = _referrers(rows, ids) if rows.has("referred_by") else None
    reject_repeats(rows, ids, "external_id")
    found = _match(rows, ids, cols, CustomerMatcher(ctx.source))
    if referrers is not None:
        _reject_unknown_referrers(rows, ids, referrers, found)
    good = [int(i) for i in rows.good() if ids[i] not in found.passed_over]
    fields = list(cols)
    records = {ids[i]: tuple(BLANK.get(f) if cols[f][i] is None else cols[f][i] for f in fields)
               for i in good}
    extras = {ids[i]: _extras(i, tags, referrers, consents) for i in good}
    counts = _write(records, fields, extras, found, ctx)
    counts.unchanged += len(found.passed_over)
    counts.matched = tally({ext: match for ext, match in found.matches.items()
                            if ext in records or ext in found.passed_over})
    return counts


@dataclass
class _Found:
    """The existing customers the rows name, and the rows passed over."""

    matcher: CustomerMatcher
    matches: dict[str, Match]
    passed_over: set[str] = field(default_factory=set)
    referred: dict[str, int] = field(default_factory=dict)  # referrers not among the rows

    def referrer(self, ext: str | None):
        """Return the customer ``ext`` refers to: an id, or ("new", ext) for a new row."""
        if ext is None:
            return None
        if ext in self.matches:
            return self.matches[ext].customer
        return self.referred.get(ext, ("new", ext))


def _match(rows: Rows, ids, cols: dict, matcher: CustomerMatcher) -> _Found:
    """Find the customers the good rows describe; settle rows that find the same one."""
    good = [int(i) for i in rows.good()]

    def text(name: str, index: int) -> str:
        return (cols[name][index] or "") if name in cols else ""

    matches = matcher.match({ids[i]: Person(text("name", i), text("email", i), text("phone", i))
                             for i in good})
    found = _Found(matcher, matches)
    rows_of: dict[int, list[int]] = defaultdict(list)
    for index in good:
        if ids[index] in matches:
            rows_of[matches[ids[index]].customer].append(index)
    for indices in rows_of.values():
        if len(indices) > 1:
            _settle(rows, ids, indices, found)
    return found


def _settle(rows: Rows, ids, indices: list[int], found: _Found) -> None:
    """Keep one row for a customer several rows found; pass over or reject the others."""
    own = [i for i in indices if found.matches[ids[i]].via == Via.SOURCE]
    kept = own[0] if own else indices[0]
    row = rows.table.row_numbers[kept].as_py()
    for index in indices:
        ext = ids[index]
        if index == kept:
            continue
        if found.matches[ext].via == Via.ALIAS:
            found.passed_over.add(ext)
        else:
            rows.reject(index, "external_id", _(
                "the same customer as row %(row)d (found by %(how)s)"
            ) % {"row": row, "how": _how(found.matches[ext].via)})
            del found.matches[ext]


def _how(via: str) -> str:
    return {Via.OTHER_SOURCE: _("the same id in another source"), Via.EMAIL: _("email"),
            Via.PHONE: _("phone")}[via]


def _names(rows: Rows):
    if rows.has("name"):
        return rows.parse("name", parse_text(LENGTH["name"]))
    if rows.has("first_name") or rows.has("last_name"):
        first, last = rows.text("first_name"), rows.text("last_name")
        return [" ".join(p for p in (f, la) if p)[:LENGTH["name"]] or None
                for f, la in zip(first, last, strict=True)]
    return None


def _managers(rows: Rows):
    return rows.parse("manager", user_finder())


def _referrers(rows: Rows, ids):
    referrers = rows.parse("referred_by", parse_text(64))
    for index, (ext, referrer) in enumerate(zip(ids, referrers, strict=True)):
        if referrer is not None and referrer == ext:
            rows.reject(index, "referred_by", _("a customer cannot refer themselves"))
    return referrers


def _reject_unknown_referrers(rows: Rows, ids, referrers, found: _Found) -> None:
    """Reject rows naming a referrer that is neither in the database nor a good row."""
    named = {ref for ref in referrers if ref is not None}
    found.referred = {ext: match.customer for ext, match in
                      found.matcher.match({ext: Person() for ext in named}).items()}
    known = set(found.referred)
    while True:
        present = known | {ids[i] for i in rows.good()}
        unknown = [int(i) for i in rows.good()
                   if referrers[i] is not None and referrers[i] not in present]
        if not unknown:
            return
        rows.reject_all(unknown, "referred_by", _("unknown customer"))


def _extras(index, tags, referrers, consents) -> dict:
    extras = {name: values[index] for name, values in consents.items()
              if values[index] is not None}
    if tags is not None:
        extras["tags"] = tags[index] or frozenset()
    if referrers is not None:
        extras["referred_by"] = referrers[index]
    return extras


def _existing(ctx: Context, fields: list[str], found: _Found, exts) -> dict:
    """Return {external id: (pk, values, extras)} of the customers ``exts`` found."""
    wanted = {found.matches[ext].customer: ext for ext in exts if ext in found.matches}
    # Most are the source's own: read them in one pass, and the others by primary key.
    others = sorted(set(wanted) - set(found.matcher.own.values()))
    scopes = [{"source": ctx.source}, *({"pk__in": chunk} for chunk in _chunks(others))]
    columns = ("pk", "referred_by", *CONSENTS, *fields)
    rows = [row for scope in scopes for row in Customer.objects.filter(**scope)
            .values_list(*columns) if row[0] in wanted]
    tags = defaultdict(set)
    through = Customer.tags.through.objects
    for scope in [{"customer__source": ctx.source},
                  *({"customer__in": chunk} for chunk in _chunks(others))]:
        for customer, name in through.filter(**scope).values_list("customer_id", "tag__name"):
            tags[customer].add(name)
    existing = {}
    for pk, referrer, *values in rows:
        state = dict(zip(CONSENTS, values[:len(CONSENTS)], strict=True))
        state["tags"] = frozenset(tags.get(pk, ()))
        state["referred_by"] = referrer
        existing[wanted[pk]] = (pk, tuple(values[len(CONSENTS):]), state)
    return existing


def _chunks(values: list) -> list[list]:
    return [values[i:i + bulk.IN_CHUNK] for i in range(0, len(values), bulk.IN_CHUNK)]


def _write(records: dict, fields: list[str], extras: dict, found: _Found,
           ctx: Context) -> Counts:
    existing = _existing(ctx, fields, found, records)
    changes = split_changes(
        {ext: (values, _compared(extras[ext], found)) for ext, values in records.items()},
        {ext: (pk, (values, _relevant(state, extras.get(ext, {}))))
         for ext, (pk, values, state) in existing.items()},
    )
    consent_fields = sorted({n for e in extras.values() for n in e if n in CONSENTS})
    with search_index.inserting():
        bulk.insert(Customer, ["source", "external_id", *fields, *consent_fields,
                               *SEARCH_COLUMNS], [
            (ctx.source, ext, *records[ext],
             *(extras[ext].get(n, False) for n in consent_fields),
             *_search_columns(fields, records[ext]))
            for ext in changes.new
        ], ctx.advance)
    now = timezone.now()
    bulk.update(Customer, [*fields, *consent_fields, "updated_at"], [
        (*records[ext], *(extras[ext].get(n, existing[ext][2][n]) for n in consent_fields),
         now, existing[ext][0]) for ext in changes.changed
    ], ctx.advance)
    if set(fields) & set(SEARCH_SOURCES):
        # The file may give some of the searched fields: fold them with the stored others.
        refresh_search_columns(existing[ext][0] for ext in changes.changed)
    found.matcher.remember({ext: found.matches[ext] for ext in records if ext in found.matches})
    pks = {**found.referred, **CustomerMatcher(ctx.source).own,
           **{ext: pk for ext, (pk, _values, _state) in existing.items()}}
    touched = [*changes.new, *changes.changed]
    if "manager" in fields:
        _write_assignments(changes, records, fields, existing, pks, ctx, now)
    _write_referrers(touched, extras, pks)
    _write_tags(touched, extras, pks, existing)
    _write_consent_history(touched, extras, pks, existing, ctx)
    return Counts(len(changes.new), len(changes.changed), len(changes.same))


def _search_columns(fields: list[str], values: tuple) -> tuple[str, str]:
    """Return a new customer's search columns; the fields the file lacks are blank."""
    given = dict(zip(fields, values, strict=True))
    return search_columns(*(given.get(name) or "" for name in SEARCH_SOURCES))


def _compared(extras: dict, found: _Found) -> dict:
    """Return ``extras`` with the referrer as a customer id, as the stored state has it."""
    if "referred_by" not in extras:
        return extras
    return {**extras, "referred_by": found.referrer(extras["referred_by"])}


def _relevant(state: dict, wanted: dict) -> dict:
    """Return the current state of the extras the file sets, to compare like with like."""
    return {name: state[name] for name in wanted}


def _write_assignments(changes, records: dict, fields: list[str], existing: dict, pks: dict,
                       ctx: Context, now) -> None:
    """Record the managers the file gives: a new customer's since they began, a changed
    one's from now (a few statements per thousand customers)."""
    at = fields.index("manager")
    acquired = fields.index("acquired_on") if "acquired_on" in fields else None
    managers = {pks[ext]: records[ext][at] for ext in changes.new if records[ext][at]}
    began = {pks[ext]: began_at(records[ext][acquired] if acquired is not None else None, now)
             for ext in changes.new if records[ext][at]}
    managers.update({pks[ext]: records[ext][at] for ext in changes.changed
                     if records[ext][at] != existing[ext][1][at]})
    CustomerAssignment.objects.record(managers, by=ctx.user_id, at=began)


def _write_referrers(touched, extras, pks) -> None:
    rows = [(pks.get(extras[ext]["referred_by"]), pks[ext])
            for ext in touched if "referred_by" in extras[ext]]
    bulk.update(Customer, ["referred_by"], rows)


def _write_tags(touched, extras, pks, existing) -> None:
    tagged = [ext for ext in touched if "tags" in extras[ext]]
    if not tagged:
        return
    names = set().union(*(extras[ext]["tags"] for ext in tagged))
    known = set(Tag.objects.filter(name__in=names).values_list("name", flat=True))
    Tag.objects.bulk_create([Tag(name=name) for name in sorted(names - known)])
    tag_ids = dict(Tag.objects.filter(name__in=names).values_list("name", "pk"))
    through = Customer.tags.through
    bulk.delete(through, "customer", [pks[ext] for ext in tagged if ext in existing])
    bulk.insert(through, ["customer", "tag"], [
        (pks[ext], tag_ids[name]) for ext in tagged for name in sorted(extras[ext]["tags"])
    ])


class ConsentNotEvidenced(ImportFileError):
    """A file grants consent without saying how the customers gave it."""


def consent_evidence(kind: str, source: str, wording: str) -> ConsentEvidence | None:
    """Return the consent evidence named for an import, None when none is named.

    Raises ValueError when it is named by halves, for another kind than customers,
    or with a source that cannot grant consent.
    """
    source, wording = (source or "").strip(), (wording or "").strip()
    if not source and not wording:
        return None
    if kind != ImportKind.CUSTOMERS:
        raise ValueError(_("A consent source and wording go with a customers import only."))
    sources = ConsentSource.granting()
    if source not in sources:
        raise ValueError(_("“%(source)s” is not a way customers give consent; name one of: "
                           "%(sources)s.") % {"source": source, "sources": ", ".join(sources)})
    if not wording:
        raise ValueError(_("Give the words the customers agreed to with the consent source."))
    return ConsentEvidence(source, wording)


def _write_consent_history(touched, extras, pks, existing, ctx: Context) -> None:
    grants, withdrawals = [], []
    for ext in touched:
        before = existing[ext][2] if ext in existing else None
        for name, channel in CONSENTS.items():
            granted = extras[ext].get(name)
            if granted is None or (before is not None and before[name] == granted):
                continue
            (grants if granted else withdrawals).append((ext, name, channel))
    if grants and ctx.consent is None:
        _refuse_grants(grants, ctx)
    now, file_name = timezone.now(), ctx.file_name[:255]
    common = (Purpose.MARKETING, now, file_name, ctx.user_id)
    rows = [(pks[ext], channel, True, ctx.consent.source, ctx.consent.wording, *common)
            for ext, _name, channel in grants]
    rows += [(pks[ext], channel, False, ConsentSource.IMPORT_FILE, "", *common)
             for ext, _name, channel in withdrawals]
    bulk.insert(ConsentChange, ["customer", "channel", "granted", "source", "wording",
                                "purpose", "changed_at", "file_name", "changed_by"], rows)


def _refuse_grants(grants: list[tuple], ctx: Context) -> None:
    customers = list(dict.fromkeys(ext for ext, _name, _channel in grants))
    columns = sorted({name for _ext, name, _channel in grants})
    raise ConsentNotEvidenced(ngettext(
        "%(file)s grants consent (%(columns)s) to %(count)d customer (external id "
        "%(first)s) but does not say how they gave it. Name the consent source and the words "
        "the customers agreed to (--consent-source and --consent-wording, or the consent "
        "fields of the upload page), or leave the consent columns out; withdrawals need "
        "neither. Nothing was imported.",
        "%(file)s grants consent (%(columns)s) to %(count)d customers (external ids "
        "%(first)s) but does not say how they gave it. Name the consent source and the words "
        "the customers agreed to (--consent-source and --consent-wording, or the consent "
        "fields of the upload page), or leave the consent columns out; withdrawals need "
        "neither. Nothing was imported.",
        len(customers),
    ) % {"file": ctx.file_name, "columns": ", ".join(columns), "count": len(customers),
         "first": ", ".join(customers[:5])})
