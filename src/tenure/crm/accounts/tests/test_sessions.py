from __future__ import annotations

from datetime import timedelta

import time_machine
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from tenure.crm.testing import PASSWORD, TenureTestCase

PAGE = "/customers/"


@override_settings(SESSION_COOKIE_AGE=12 * 3600, TENURE_SESSION_IDLE_SECONDS=60 * 60)
class SessionTimeoutTestCase(TenureTestCase):
    def setUp(self):
        self.clock = time_machine.travel(timezone.now(), tick=False)
        self.traveller = self.clock.start()
        self.addCleanup(self.clock.stop)
        self.started = timezone.now()
        self.client.post(reverse("login"), {"username": "bob", "password": PASSWORD})

    def after(self, **elapsed):
        self.traveller.shift(timedelta(**elapsed))
        return self.client.get(PAGE, follow=True)

    def test_it_keeps_an_active_session(self):
        for _ in range(11):
            self.assertEqual(self.after(minutes=55).redirect_chain, [])

    def test_it_signs_out_after_the_idle_time(self):
        self.assertEqual(self.after(minutes=59).redirect_chain, [])
        r = self.after(minutes=61)
        self.assertRedirects(r, f"{reverse('login')}?next={PAGE}")
        self.assertContains(r, "You were signed out after 60 minutes without activity.")
        self.assertNotIn("_auth_user_id", self.client.session)

    def test_it_ends_the_session_at_its_lifetime_however_active(self):
        for _ in range(20):
            r = self.after(minutes=55)
            if r.redirect_chain:
                break
        self.assertRedirects(r, f"{reverse('login')}?next={PAGE}")
        self.assertContains(r, "Your session has ended. Sign in again.")
        elapsed = timezone.now() - self.started
        self.assertGreater(elapsed, timedelta(hours=12))
        self.assertLess(elapsed, timedelta(hours=13))

    @override_settings(TENURE_SESSION_IDLE_SECONDS=0)
    def test_it_can_do_without_an_idle_time(self):
        self.assertEqual(self.after(hours=11).redirect_chain, [])

    @override_settings(SESSION_COOKIE_AGE=2 * 3600)
    def test_it_follows_the_lifetime_setting(self):
        self.assertEqual(self.after(minutes=50).redirect_chain, [])
        self.assertEqual(self.after(minutes=50).redirect_chain, [])
        self.assertNotEqual(self.after(minutes=50).redirect_chain, [])
