from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

from tenure.crm.testing import PASSWORD, TenureTestCase

NEW = "quiet-harbour-lantern-42"


class PasswordPolicyTestCase(TenureTestCase):
    def problems(self, password: str, user=None) -> list[str]:
        try:
            validate_password(password, user)
        except ValidationError as error:
            return error.messages
        return []

    def test_it_refuses_a_short_numeric_password_in_words(self):
        problems = self.problems("83749261", self.manager)
        self.assertIn("This password is too short. It must contain at least 10 characters.",
                      problems)
        self.assertIn("This password is entirely numeric.", problems)

    def test_it_refuses_a_common_password(self):
        self.assertIn("This password is too common.", self.problems("password123"))

    def test_it_refuses_a_password_like_the_user_name(self):
        self.manager.username = "bob.marchenko"
        self.assertIn("The password is too similar to the username.",
                      self.problems("bob.marchenko1", self.manager))

    def test_it_accepts_a_long_uncommon_password(self):
        self.assertEqual(self.problems(NEW, self.manager), [])


class PasswordChangeTestCase(TenureTestCase):
    url = reverse("password_change")

    def change(self, old: str = PASSWORD, new: str = NEW):
        return self.client.post(self.url, {"old_password": old, "new_password1": new,
                                           "new_password2": new}, follow=True)

    def test_it_lets_every_user_change_their_own_password(self):
        for user in [self.admin, self.manager, self.marketer, self.support, self.analyst,
                     self.nobody]:
            with self.subTest(user=user.username):
                self.login(user)
                page = self.client.get(reverse("customers:list") if user != self.nobody
                                       else self.url)
                self.assertContains(page, f'href="{self.url}"')
                r = self.change()
                self.assertRedirects(r, self.url)
                self.assertContains(r, "Your password has been changed.")
                user.refresh_from_db()
                self.assertTrue(user.check_password(NEW))
                # Still signed in: the change does not end the session it was made in.
                self.assertEqual(self.client.get(self.url).status_code, 200)

    def test_it_refuses_a_weak_new_password_and_keeps_the_old_one(self):
        self.login(self.nobody)
        r = self.change(new="83749261")
        self.assertContains(r, "This password is too short.")
        self.assertContains(r, "This password is entirely numeric.")
        self.nobody.refresh_from_db()
        self.assertTrue(self.nobody.check_password(PASSWORD))

    def test_it_asks_for_the_old_password(self):
        self.login(self.nobody)
        r = self.change(old="not-my-password")
        self.assertContains(r, "Your old password was entered incorrectly.")
        self.nobody.refresh_from_db()
        self.assertTrue(self.nobody.check_password(PASSWORD))

    def test_it_sends_a_visitor_to_sign_in(self):
        r = self.client.get(self.url)
        self.assertRedirects(r, f"{reverse('login')}?next={self.url}")
