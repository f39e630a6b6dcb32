from __future__ import annotations

from datetime import timedelta

import time_machine
from axes.models import AccessAttempt
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from tenure.crm.testing import PASSWORD, TenureTestCase

# Documentation addresses (RFC 5737): no traffic goes anywhere, they only label requests.
HOME, CAFE, OFFICE = "203.0.113.10", "198.51.100.20", "192.0.2.30"


class ThrottlingTestCase(TenureTestCase):
    def sign_in(self, username: str, password: str = PASSWORD, address: str = HOME):
        return self.client.post(reverse("login"), {"username": username, "password": password},
                                REMOTE_ADDR=address)

    def signed_in(self) -> bool:
        return "_auth_user_id" in self.client.session

    def fail(self, username: str, times: int = 5, address: str = HOME) -> None:
        for _ in range(times):
            self.sign_in(username, "not-the-password", address)

    def test_it_refuses_the_right_password_after_thirty_wrong_ones(self):
        self.fail("bob", 30)
        r = self.sign_in("bob")
        self.assertEqual(r.status_code, 429)
        self.assertFalse(self.signed_in())

    def test_it_locks_out_at_the_configured_number_of_failures(self):
        self.fail("bob", 4)
        self.assertEqual(self.sign_in("bob", "wrong").status_code, 429)
        self.assertEqual(self.sign_in("bob").status_code, 429)
        self.assertFalse(self.signed_in())

    @override_settings(AXES_FAILURE_LIMIT=2)
    def test_it_follows_the_failure_limit_setting(self):
        self.assertEqual(self.sign_in("bob", "wrong").status_code, 200)
        self.assertEqual(self.sign_in("bob", "wrong").status_code, 429)

    def test_it_lets_a_user_in_after_fewer_failures_than_the_limit(self):
        self.fail("bob", 4)
        self.assertRedirects(self.sign_in("bob"), reverse("home"), fetch_redirect_response=False)

    def test_it_locks_the_user_from_every_address(self):
        self.fail("bob", 5, address=HOME)
        self.assertEqual(self.sign_in("bob", address=CAFE).status_code, 429)
        self.assertFalse(self.signed_in())

    def test_it_locks_the_address_for_every_user(self):
        # Password spraying: one address, a different user name each time.
        for name in ["ann", "bob", "carol", "mary", "sam"]:
            self.sign_in(name, "Summer2024!", address=OFFICE)
        self.assertEqual(self.sign_in("nick", address=OFFICE).status_code, 429)
        self.assertFalse(self.signed_in())

    def test_it_does_not_lock_other_users_at_other_addresses(self):
        self.fail("bob", 5, address=HOME)
        r = self.sign_in("carol", address=CAFE)
        self.assertRedirects(r, reverse("home"), fetch_redirect_response=False)

    def test_it_does_not_lock_the_user_elsewhere_when_only_an_address_failed(self):
        for name in ["ann", "bob", "carol", "mary", "sam"]:
            self.sign_in(name, "Summer2024!", address=OFFICE)
        r = self.sign_in("bob", address=CAFE)
        self.assertRedirects(r, reverse("home"), fetch_redirect_response=False)

    def test_it_lets_the_user_in_after_the_cool_off(self):
        start = timezone.now()
        with time_machine.travel(start, tick=False) as traveller:
            self.fail("bob", 5)
            traveller.shift(timedelta(minutes=14))
            self.assertEqual(self.sign_in("bob").status_code, 429)
            # That attempt started the wait again.
            traveller.shift(timedelta(minutes=14))
            self.assertEqual(self.sign_in("bob").status_code, 429)
            traveller.shift(timedelta(minutes=16))
            r = self.sign_in("bob")
        self.assertRedirects(r, reverse("home"), fetch_redirect_response=False)

    @override_settings(TIME_ZONE="Europe/Kyiv")
    def test_it_says_when_to_try_again(self):
        with time_machine.travel("2025-03-04 10:00:00Z", tick=False):
            self.fail("bob", 5)
            r = self.sign_in("bob")
        self.assertEqual(r.status_code, 429)
        self.assertTemplateUsed(r, "registration/locked_out.html")
        # 10:00 UTC is 12:00 in Kyiv; the wait is 15 minutes.
        self.assertContains(r, "refused for 15 minutes. Try again after 12:15", status_code=429)

    def test_it_lets_an_administrator_unlock_with_a_command(self):
        self.fail("bob", 5)
        call_command("axes_reset_username", "bob")
        self.assertRedirects(self.sign_in("bob"), reverse("home"), fetch_redirect_response=False)

    def test_it_lets_an_administrator_unlock_in_admin(self):
        self.fail("bob", 5)
        attempt = AccessAttempt.objects.get(username="bob")
        url = reverse("admin:axes_accessattempt_delete", args=[attempt.pk])
        self.login(self.manager)
        self.assertNotEqual(self.client.post(url, {"post": "yes"}).status_code, 200)
        self.assertTrue(AccessAttempt.objects.filter(pk=attempt.pk).exists())
        self.login(self.admin)
        self.assertEqual(self.client.get(reverse("admin:axes_accessattempt_changelist"))
                         .status_code, 200)
        self.client.post(url, {"post": "yes"})
        self.assertFalse(AccessAttempt.objects.exists())
        self.client.logout()
        self.assertRedirects(self.sign_in("bob"), reverse("home"), fetch_redirect_response=False)

    @override_settings(TENURE_PROXY_COUNT=1)
    def test_it_reads_the_address_the_proxy_saw(self):
        # Behind nginx every request comes from 127.0.0.1; the client is the address nginx
        # appended to X-Forwarded-For, whatever the client wrote there itself.
        for _ in range(5):
            self.client.post(reverse("login"), {"username": "x", "password": "y"},
                             REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=f"1.2.3.4, {HOME}")
        r = self.client.post(reverse("login"), {"username": "bob", "password": PASSWORD},
                             REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=f"9.9.9.9, {CAFE}")
        self.assertEqual(r.status_code, 302)
        r = self.client.post(reverse("login"), {"username": "carol", "password": PASSWORD},
                             REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=f"5.6.7.8, {HOME}")
        self.assertEqual(r.status_code, 429)
