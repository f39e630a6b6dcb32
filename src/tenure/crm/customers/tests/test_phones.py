from __future__ import annotations

import random
from urllib.parse import quote

import phonenumbers
from django.test import override_settings

from tenure.crm.customers.forms import search_q
from tenure.crm.customers.models import Customer
from tenure.crm.lib.phone import InvalidPhone, normalize_phone, search_phone
from tenure.crm.lib.search import phone_digits_of
from tenure.crm.testing import TenureTestCase

HOW = "write the number with its country code after a +, for example +380 50 123 4567"


@override_settings(TENURE_PHONE_REGION="UA")
class PhoneTestCase(TenureTestCase):
    def test_it_refuses_numbers_that_are_not_valid_in_the_shops_region(self):
        for text in ("(202) 252-9744", "12345", "2022529744"):
            with self.subTest(text), self.assertRaises(InvalidPhone) as caught:
                normalize_phone(text)
            self.assertEqual(str(caught.exception),
                             f"not a valid number of the region UA (+380): {HOW}")

    def test_it_says_why_a_number_is_refused(self):
        cases = {
            "12": "too short for a phone number",
            "0441234567890123": "too long for a phone number",
            "+999 123": "no country has this code",
            "not a phone": "not a phone number",
            "+1 555 0000": "not a valid number with the country code +1",
        }
        for text, reason in cases.items():
            with self.subTest(text), self.assertRaises(InvalidPhone) as caught:
                normalize_phone(text)
            self.assertEqual(str(caught.exception), f"{reason}: {HOW}")

    def test_it_accepts_local_numbers_and_foreign_ones_with_their_code(self):
        self.assertEqual(normalize_phone("067 123 45 67"), "+380671234567")
        self.assertEqual(normalize_phone("+1 (202) 252-9744"), "+12022529744")
        self.assertEqual(normalize_phone("  "), "")

    @override_settings(TENURE_PHONE_REGION="US")
    def test_it_reads_local_numbers_in_the_configured_region(self):
        self.assertEqual(normalize_phone("(202) 252-9744"), "+12022529744")
        with self.assertRaisesMessage(InvalidPhone, "for example +1 201-555-0123"):
            normalize_phone("067 123 45 67")

    def test_it_returns_a_valid_number_or_says_why_and_search_never_fails(self):
        rng = random.Random(10)
        for _ in range(500):
            text = "".join(rng.choices("0123456789+()- .#*xабв", k=rng.randrange(26)))
            try:
                number = normalize_phone(text)
            except InvalidPhone as exc:
                self.assertIn(HOW, str(exc))
            else:
                self.assertTrue(number == "" or phonenumbers.is_valid_number(
                    phonenumbers.parse(number)), number)
            search_phone(text)
            phone_digits_of(text)
            search_q(text)


@override_settings(TENURE_PHONE_REGION="UA")
class PhoneFormTestCase(TenureTestCase):
    def setUp(self):
        # Stored before numbers were checked: what "(202) 252-9744" used to become.
        self.olena = Customer.objects.create(name="Olena", phone="+3802022529744",
                                             manager=self.manager)
        self.petro = Customer.objects.create(name="Petro", phone="+380671234567",
                                             manager=self.manager)

    def edit(self, **data):
        self.login(self.manager)
        # Every field, as a browser sends the form (a sales manager has no manager field).
        form = {"name": "Olena K.", "email": "", "phone": "", "city": "", "gender": "",
                "birth_date": "", "acquisition_channel": "", "acquired_on": "", "language": "",
                "time_zone": "", "notes": ""}
        return self.client.post(f"/customers/{self.olena.pk}/edit/", {**form, **data})

    def test_it_refuses_an_impossible_number_with_the_reason_in_the_form(self):
        response = self.edit(phone="12345")

        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Not a valid number of the region UA (+380)")
        self.assertContains(response, "+380 50 123 4567")
        self.olena.refresh_from_db()
        self.assertEqual((self.olena.name, self.olena.phone), ("Olena", "+3802022529744"))

    def test_it_keeps_a_number_stored_before_the_check_until_it_is_changed(self):
        response = self.edit(phone="+3802022529744")

        self.assertRedirects(response, f"/customers/{self.olena.pk}/")
        self.olena.refresh_from_db()
        self.assertEqual((self.olena.name, self.olena.phone), ("Olena K.", "+3802022529744"))

    def test_it_saves_a_foreign_number_given_with_its_country_code(self):
        self.edit(phone="+1 202 252 9744")
        self.olena.refresh_from_db()
        self.assertEqual(self.olena.phone, "+12022529744")

    def names(self, query: str) -> list[str]:
        self.login(self.manager)
        response = self.client.get(f"/customers/?q={quote(query)}")
        self.assertEqual(response.status_code, 200)
        return sorted(c.name for c in response.context["rows"])

    def test_search_finds_old_numbers_as_typed_and_partly_typed_ones(self):
        self.assertEqual(self.names("(202) 252-9744"), ["Olena"])
        self.assertEqual(self.names("067 123"), ["Petro"])
        self.assertEqual(self.names("+380 67 123 45 67"), ["Petro"])
        self.assertEqual(self.names("12"), [])
        self.assertEqual(self.names("+("), [])
