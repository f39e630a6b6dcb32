from __future__ import annotations

from base64 import b32decode
from datetime import timedelta

import time_machine
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tenure.crm.testing import PASSWORD, TenureTestCase

LOGIN, CODE = reverse("login"), reverse("login_code")
SETTINGS, DISABLE = reverse("two_factor"), reverse("two_factor_disable")


def code(key: bytes) -> str:
    """Return the code an authenticator app shows now for ``key`` (RFC 6238)."""
    return f"{totp(key):06d}"


def wrong(key: bytes) -> str:
    return f"{(totp(key) + 1) % 1_000_000:06d}"


class TwoFactorTestCase(TenureTestCase):
    def setUp(self):
        self.clock = time_machine.travel(timezone.now(), tick=False)
        self.traveller = self.clock.start()
        self.addCleanup(self.clock.stop)

    def next_code_period(self) -> None:
        # A code is good once: the next sign-in needs the next 30-second code.
        self.traveller.shift(timedelta(seconds=31))

    def enrol(self, user) -> bytes:
        """Turn two-factor on for ``user`` as they would, and return the app's key."""
        self.login(user)
        page = self.client.get(SETTINGS)
        secret = "".join(page.context["secret"].split())
        key = b32decode(secret)
        r = self.client.post(SETTINGS, {"code": code(key)}, follow=True)
        self.assertContains(r, "Two-factor sign-in is on")
        self.client.logout()
        self.next_code_period()
        return key

    def sign_in(self, password: str = PASSWORD, next_url: str = ""):
        data = {"username": self.admin.username, "password": password}
        if next_url:
            data["next"] = next_url
        return self.client.post(LOGIN, data)

    def signed_in(self) -> bool:
        return "_auth_user_id" in self.client.session

    def test_it_offers_two_factor_to_administrators_only(self):
        self.login(self.manager)
        self.assertEqual(self.client.get(SETTINGS).status_code, 403)
        self.assertNotContains(self.client.get(reverse("customers:list")), f'href="{SETTINGS}"')
        self.assertFalse(TOTPDevice.objects.exists())
        self.login(self.admin)
        self.assertContains(self.client.get(reverse("customers:list")), f'href="{SETTINGS}"')

    def test_it_shows_a_qr_code_drawn_on_the_server_and_the_secret(self):
        self.login(self.admin)
        r = self.client.get(SETTINGS)
        self.assertContains(r, '<svg')
        self.assertContains(r, 'class="qr-code"')
        device = TOTPDevice.objects.get(user=self.admin)
        self.assertFalse(device.confirmed)
        self.assertEqual(b32decode("".join(r.context["secret"].split())), device.bin_key)
        self.assertIn("otpauth://totp/Tenure%3Aalice?secret=", device.config_url)
        # The same secret until it is confirmed: reloading does not break a half-done set-up.
        self.assertEqual(self.client.get(SETTINGS).context["secret"], r.context["secret"])

    def test_it_turns_on_only_with_a_right_code(self):
        self.login(self.admin)
        key = b32decode("".join(self.client.get(SETTINGS).context["secret"].split()))
        r = self.client.post(SETTINGS, {"code": wrong(key)})
        self.assertContains(r, "That code is not right.")
        self.assertFalse(TOTPDevice.objects.get().confirmed)
        self.traveller.shift(timedelta(seconds=2))  # django-otp waits 1 s after a wrong code
        r = self.client.post(SETTINGS, {"code": code(key)}, follow=True)
        self.assertContains(r, "Two-factor sign-in is on")
        self.assertTrue(TOTPDevice.objects.get().confirmed)
        # The session that turned it on has shown the code and stays signed in.
        self.assertEqual(self.client.get(reverse("admin:index")).status_code, 200)

    def test_it_asks_for_the_code_after_the_password(self):
        key = self.enrol(self.admin)
        r = self.sign_in(next_url="/admin/")
        self.assertRedirects(r, CODE, fetch_redirect_response=False)
        self.assertFalse(self.signed_in())
        self.assertRedirects(self.client.get("/customers/"), f"{LOGIN}?next=/customers/")
        r = self.client.post(CODE, {"code": wrong(key)})
        self.assertContains(r, "That code is not right.")
        self.assertFalse(self.signed_in())
        self.next_code_period()
        r = self.client.post(CODE, {"code": code(key)})
        self.assertRedirects(r, "/admin/", fetch_redirect_response=False)
        self.assertTrue(self.signed_in())
        self.assertEqual(self.client.get("/admin/").status_code, 200)
        self.assertEqual(self.client.get("/customers/").status_code, 200)

    def test_it_does_not_ask_users_without_two_factor(self):
        self.enrol(self.admin)
        r = self.client.post(LOGIN, {"username": "bob", "password": PASSWORD})
        self.assertRedirects(r, reverse("home"), fetch_redirect_response=False)

    def test_it_refuses_a_code_used_once_already(self):
        key = self.enrol(self.admin)
        self.sign_in()
        used = code(key)
        self.client.post(CODE, {"code": used})
        self.client.logout()
        self.traveller.shift(timedelta(seconds=2))
        self.sign_in()
        self.assertContains(self.client.post(CODE, {"code": used}), "That code is not right.")
        self.assertFalse(self.signed_in())

    def test_it_forgets_a_password_step_left_waiting(self):
        key = self.enrol(self.admin)
        self.sign_in()
        self.traveller.shift(timedelta(minutes=6))
        r = self.client.post(CODE, {"code": code(key)})
        self.assertRedirects(r, LOGIN)
        self.assertFalse(self.signed_in())

    def test_it_has_no_code_step_without_a_password(self):
        self.assertRedirects(self.client.get(CODE), LOGIN)

    def test_it_counts_wrong_codes_as_failed_sign_ins(self):
        key = self.enrol(self.admin)
        self.sign_in()
        for _ in range(5):
            self.traveller.shift(timedelta(seconds=40))  # past django-otp's own growing wait
            r = self.client.post(CODE, {"code": wrong(key)})
        self.assertEqual(r.status_code, 429)
        self.traveller.shift(timedelta(seconds=40))
        self.assertEqual(self.client.post(CODE, {"code": code(key)}).status_code, 429)
        self.assertFalse(self.signed_in())

    def test_it_protects_the_admin_site(self):
        self.enrol(self.admin)
        # Admin's own login form sends to Tenure's sign-in, which asks for the code.
        self.assertRedirects(self.client.get("/admin/login/?next=/admin/"),
                             f"{LOGIN}?next=/admin/", fetch_redirect_response=False)
        r = self.client.post("/admin/login/?next=/admin/",
                             {"username": "alice", "password": PASSWORD})
        self.assertFalse(self.signed_in())
        # A session without the code (one opened before two-factor was on, say) is ended.
        self.client.force_login(self.admin)
        r = self.client.get("/admin/")
        self.assertRedirects(r, f"{LOGIN}?next=/admin/", fetch_redirect_response=False)
        self.assertFalse(self.signed_in())
        self.assertEqual(self.client.get("/admin/").status_code, 302)

    def test_it_turns_off_with_the_password(self):
        key = self.enrol(self.admin)
        self.sign_in()
        self.client.post(CODE, {"code": code(key)})
        r = self.client.post(DISABLE, {"password": "not-my-password"})
        self.assertContains(r, "Enter the code your app shows now, or your password.",
                            status_code=400)
        self.assertTrue(TOTPDevice.objects.filter(user=self.admin, confirmed=True).exists())
        self.traveller.shift(timedelta(seconds=2))
        r = self.client.post(DISABLE, {"password": PASSWORD}, follow=True)
        self.assertContains(r, "Two-factor sign-in is off.")
        self.assertFalse(TOTPDevice.objects.filter(user=self.admin, confirmed=True).exists())
        self.client.logout()
        self.assertRedirects(self.sign_in(), reverse("home"), fetch_redirect_response=False)

    def test_it_turns_off_with_a_code(self):
        key = self.enrol(self.admin)
        self.sign_in()
        self.client.post(CODE, {"code": code(key)})
        self.next_code_period()
        self.client.post(DISABLE, {"code": code(key)})
        self.assertFalse(TOTPDevice.objects.filter(user=self.admin, confirmed=True).exists())

    def test_it_does_not_turn_off_for_a_user_without_it(self):
        self.login(self.manager)
        self.assertRedirects(self.client.post(DISABLE, {"password": PASSWORD}), SETTINGS,
                             target_status_code=403)
