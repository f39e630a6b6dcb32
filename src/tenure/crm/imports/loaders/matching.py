"""Which existing customer a file means: by id, by alias, by another source's id, email, phone.

A file names its customers by their id in the import's source. An id that is not
there is looked up, in this order:

1. an alias in the source: the id of a customer merged into another, or one matched before;
2. the same id in another source, when it names one customer only;
3. the email (the file's email column, or the customer column when it holds an email);
4. the phone.

Steps 2-4 guess, so a guess is taken only when it names one customer, and when
nothing the file says contradicts it: a name, email or phone present on both sides
must agree (names agree when they share a word), unless both email and phone are the
same. A customer who has another id in the import's source is never a guess: the
source itself says they are someone else. What a guess found is remembered as an alias,
so the next import of the same file finds it by step 1.

Everything is looked up in bulk: the source's ids in one query, other ids and phones
in chunks of ``bulk.IN_CHUNK`` through their indexes, emails in one pass over the
customers that have one (they are compared without case, which no index serves).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tenure.crm.customers import search_index
from tenure.crm.customers.models import SEARCH_COLUMNS, Customer, CustomerAlias, search_columns
from tenure.crm.lib import bulk
from tenure.crm.lib.parsing import parse_email
from tenure.crm.lib.phone import InvalidPhone, normalize_phone

from ..rows import Rows


class Via:
    """How a file's customer was found."""

    SOURCE = "source"
    ALIAS = "alias"
    OTHER_SOURCE = "other_source"
    EMAIL = "email"
    PHONE = "phone"

    GUESSES = (OTHER_SOURCE, EMAIL, PHONE)
    REPORTED = (ALIAS, OTHER_SOURCE, EMAIL, PHONE)


def describe(via: str, count: int) -> str:
    """Return "12 matched by email" and the like, translated."""
    texts = {
        Via.ALIAS: ngettext("%(count)d matched by an alias (a merged or earlier matched id)",
                            "%(count)d matched by an alias (a merged or earlier matched id)",
                            count),
        Via.OTHER_SOURCE: ngettext("%(count)d matched by external id in another source",
                                   "%(count)d matched by external id in another source", count),
        Via.EMAIL: ngettext("%(count)d matched by email", "%(count)d matched by email", count),
        Via.PHONE: ngettext("%(count)d matched by phone", "%(count)d matched by phone", count),
    }
    return texts[via] % {"count": count}





def parse_phone(text: str) -> str:
    """Return ``text`` in E.164; raise ValueError saying why it is not a valid number."""
    try:
        return normalize_phone(text)
    except InvalidPhone as exc:
        raise ValueError(str(exc)) from None


@dataclass(frozen=True)
class Person:
    """What a file says about a customer besides their id."""

    name: str = ""
    email: str = ""
    phone: str = ""


@dataclass(frozen=True)
class Match:
    """The customer a file's id was found to be, and how."""

    customer: int
    via: str


@dataclass(frozen=True)
class _Known:
    pk: int
    source: str
    external_id: str
    name: str
    email: str
    phone: str


_PROFILE = ("pk", "source", "external_id", "name", "email", "phone")
_WORD = re.compile(r"\w+")


def _email_key(email: str) -> str:
    return email.strip().casefold()


def _words(name: str) -> set[str]:
    return set(_WORD.findall(name.casefold()))


def agrees(person: Person, known: _Known) -> bool:
    """Return whether nothing ``person`` says contradicts ``known``."""
    both_emails = bool(person.email and known.email)
    both_phones = bool(person.phone and known.phone)
    if both_emails and _email_key(person.email) != _email_key(known.email):
        return False
    if both_phones and person.phone != known.phone:
        return False
    if both_emails and both_phones:
        return True  # the same email and phone: the same person, however they are named
    mine, theirs = _words(person.name), _words(known.name)
    return not (mine and theirs and not mine & theirs)


def _chunks(values: list) -> Iterable[list]:
    for start in range(0, len(values), bulk.IN_CHUNK):
        yield values[start:start + bulk.IN_CHUNK]


class CustomerMatcher:
    """Match a file's customer ids in ``source`` to existing customers, in bulk."""

    def __init__(self, source: str):
        self.source = source
        self.own = dict(Customer.objects.filter(source=source).exclude(external_id="")
                        .values_list("external_id", "pk"))

    def match(self, people: dict[str, Person]) -> dict[str, Match]:
        """Return {id: Match} for the ids of ``people`` {id: Person} that name a customer."""
        found = {ext: Match(self.own[ext], Via.SOURCE) for ext in people if ext in self.own}
        pending = [ext for ext in people if ext not in found]
        if not pending:
            return found
        aliases = self._aliases(pending)
        for ext, by_source in aliases.items():
            if self.source in by_source:
                found[ext] = Match(by_source[self.source], Via.ALIAS)
        pending = [ext for ext in pending if ext not in found]
        self._guess(found, Via.OTHER_SOURCE, self._by_other_source(pending, aliases), people)
        pending = [ext for ext in pending if ext not in found]
        self._guess(found, Via.EMAIL, self._by_email(
            [ext for ext in pending if people[ext].email], people), people)
        pending = [ext for ext in pending if ext not in found]
        self._guess(found, Via.PHONE, self._by_phone(
            [ext for ext in pending if people[ext].phone], people), people)
        return found

    def remember(self, matches: dict[str, Match]) -> None:
        """Keep each guessed id as an alias of its customer, for the next import."""
        bulk.insert(CustomerAlias, ["source", "external_id", "customer"], [
            (self.source, ext, match.customer) for ext, match in matches.items()
            if match.via in Via.GUESSES
        ])

    def _guess(self, found: dict, via: str, candidates: dict[str, list[_Known]],
               people: dict[str, Person]) -> None:
        for ext, known in candidates.items():
            unique = {k.pk: k for k in known if not self._has_other_id(k)}
            if len(unique) == 1:
                (only,) = unique.values()
                if agrees(people[ext], only):
                    found[ext] = Match(only.pk, via)

    def _has_other_id(self, known: _Known) -> bool:
        """Return whether the import's source knows ``known`` under another id."""
        return known.source == self.source and bool(known.external_id)

    def _aliases(self, exts: list[str]) -> dict[str, dict[str, int]]:
        """Return {id: {source: customer}} of the aliases named like ``exts``."""
        aliases: dict[str, dict[str, int]] = {}
        if not CustomerAlias.objects.exists():
            return aliases
        for chunk in _chunks(exts):
            for ext, source, pk in CustomerAlias.objects.filter(external_id__in=chunk) \
                    .values_list("external_id", "source", "customer_id"):
                aliases.setdefault(ext, {})[source] = pk
        return aliases

    def _by_other_source(self, exts: list[str], aliases: dict) -> dict[str, list[_Known]]:
        """Return {id: customers of other sources known by that id or an alias of it}."""
        pks: dict[str, set[int]] = {ext: set(aliases[ext].values()) for ext in exts
                                    if ext in aliases}
        if Customer.objects.exclude(source=self.source).exclude(external_id="").exists():
            for chunk in _chunks(exts):
                for ext, pk in Customer.objects.filter(external_id__in=chunk).exclude(
                        source=self.source).values_list("external_id", "pk"):
                    pks.setdefault(ext, set()).add(pk)
        profiles = self._profiles({pk for found in pks.values() for pk in found})
        return {ext: [profiles[pk] for pk in found] for ext, found in pks.items()}

    def _by_email(self, exts: list[str], people: dict[str, Person]) -> dict[str, list[_Known]]:
        wanted: dict[str, list[str]] = {}
        for ext in exts:
            wanted.setdefault(_email_key(people[ext].email), []).append(ext)
        if not wanted:
            return {}
        candidates: dict[str, list[_Known]] = {}
        for row in Customer.objects.exclude(email="").values_list(*_PROFILE).iterator(
                chunk_size=bulk.CHUNK):
            known = _Known(*row)
            for ext in wanted.get(_email_key(known.email), ()):
                candidates.setdefault(ext, []).append(known)
        return candidates

    def _by_phone(self, exts: list[str], people: dict[str, Person]) -> dict[str, list[_Known]]:
        wanted: dict[str, list[str]] = {}
        for ext in exts:
            wanted.setdefault(people[ext].phone, []).append(ext)
        candidates: dict[str, list[_Known]] = {}
        for chunk in _chunks(list(wanted)):
            for row in Customer.objects.filter(phone__in=chunk).values_list(*_PROFILE):
                known = _Known(*row)
                for ext in wanted[known.phone]:
                    candidates.setdefault(ext, []).append(known)
        return candidates

    def _profiles(self, pks: set[int]) -> dict[int, _Known]:
        profiles = {}
        for chunk in _chunks(sorted(pks)):
            for row in Customer.objects.filter(pk__in=chunk).values_list(*_PROFILE):
                profiles[row[0]] = _Known(*row)
        return profiles


def tally(matches: dict[str, Match]) -> dict[str, int]:
    """Return {via: customers} for the matches worth reporting (not the source's own ids)."""
    counts: dict[str, int] = {}
    for match in matches.values():
        if match.via in Via.REPORTED:
            counts[match.via] = counts.get(match.via, 0) + 1
    return {via: counts[via] for via in Via.REPORTED if via in counts}


class Contacts:
    """The name, email and phone columns of a file, parsed once (a bad one rejects its row)."""

    def __init__(self, rows: Rows):
        self.columns = [
            rows.text("name") if rows.has("name") else None,
            rows.parse("email", parse_email) if rows.has("email") else None,
            rows.parse("phone", parse_phone) if rows.has("phone") else None,
        ]

    def people(self, refs, indices: list[int]) -> dict[str, Person]:
        """Return {customer id: Person} from the first non-empty values over ``indices``.

        A customer id that is an email address is their email when no column gives one.
        """
        firsts = []
        for column in self.columns:
            first: dict[str, str] = {}
            if column is not None:  # one pass per mapped column, none for the others
                for index in indices:
                    if column[index] and refs[index] not in first:
                        first[refs[index]] = column[index]
            firsts.append(first)
        names, emails, phones = firsts
        people = {}
        for ref in dict.fromkeys(refs[index] for index in indices):
            email = emails.get(ref) or ("@" in ref and _email_or_blank(ref) or "")
            people[ref] = Person(names.get(ref, ""), email, phones.get(ref, ""))
        return people


def _email_or_blank(text: str) -> str:
    try:
        return parse_email(text)
    except ValueError:
        return ""


@dataclass
class Found:
    """The customer id of each of a file's customer ids, how many were new, how found."""

    ids: dict[str, int]
    created: int
    matched: dict[str, int]


def find_customers(rows: Rows, ctx, refs, contacts: Contacts, *, create: bool) -> Found:
    """Return the customers the rows name in ``refs``, matched as the module says.

    Customers found nowhere are created with the file's name, email and phone when
    ``create`` (for the good rows only); otherwise their rows are rejected (all of
    them, so a row's every problem is reported at once).
    """
    indices = rows.good().tolist() if create else range(rows.count)
    good = [i for i in indices if refs[i] is not None]
    people = contacts.people(refs, good)
    matcher = CustomerMatcher(ctx.source)
    matches = matcher.match(people)
    matcher.remember(matches)
    ids = {ext: match.customer for ext, match in matches.items()}
    missing = [ext for ext in people if ext not in ids]
    if missing and create:
        with search_index.inserting():
            bulk.insert(Customer, ["source", "external_id", "name", "email", "phone",
                                   *SEARCH_COLUMNS], [
                (ctx.source, ext, people[ext].name[:200], people[ext].email,
                 people[ext].phone, *search_columns(people[ext].name[:200], people[ext].email,
                                                    "", "", people[ext].phone))
                for ext in missing
            ], ctx.advance)
        ids.update(CustomerMatcher(ctx.source).own)
    elif missing:
        rows.reject_all([i for i in good if refs[i] not in ids], "customer",
                        _("unknown customer; import the customers first"))
    return Found(ids, len(missing) if create else 0, tally(matches))
