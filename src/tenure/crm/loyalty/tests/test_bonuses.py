"""Welcome, birthday, first-answer and review bonuses, surprise rewards, and the timeline."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from django.contrib.auth import get_user_model

from tenure.crm.customers.models import Customer
from tenure.crm.customers.timeline import timeline
from tenure.crm.feedback.models import Answer, Invitation, Survey, SurveyKind, SurveyTrigger
from tenure.crm.loyalty import bonuses, ledger
from tenure.crm.loyalty.models import Entry, Kind, LedgerError, Programme
from tenure.crm.sales.models import OrderStatus

from .base import LedgerTestCase, days


def at(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def said(welcome=0, birthday=0, answer=0, review=0) -> str:
    """Return what ``bonuses.catch_up`` says it gave."""
    return (f"welcome {welcome}, birthday {birthday}, first answer {answer}, "
            f"review {review}")


class BonusTestCase(LedgerTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        Programme.objects.filter(pk=1).update(welcome_bonus=100, birthday_bonus=200,
                                              first_answer_bonus=50)

    def keys(self, prefix: str) -> list[tuple[str, int]]:
        return sorted(Entry.objects.filter(key__startswith=prefix)
                      .values_list("key", "points"))

    def answer(self, customer: Customer, when: datetime, comment: str = "") -> Answer:
        survey = Survey.objects.create(name="After purchase", kind=SurveyKind.NPS,
                                       trigger=SurveyTrigger.AFTER_PURCHASE)
        invitation = Invitation.objects.create(survey=survey, customer=customer,
                                               occasion=f"test:{when}", created_at=when,
                                               expires_at=when + timedelta(days=30))
        return Answer.objects.create(invitation=invitation, customer=customer,
                                     kind=SurveyKind.NPS, score=9, answered_at=when,
                                     comment=comment)


class WelcomeBonusTestCase(BonusTestCase):
    def test_it_welcomes_once_on_the_first_order_not_cancelled(self):
        petro = Customer.objects.create(name="Petro")
        self.order("10.00", at=days(0))
        self.order("20.00", at=days(1))
        self.order("30.00", at=days(0), status=OrderStatus.CANCELLED, customer=petro)
        self.assertEqual(bonuses.catch_up(days(2)), said(welcome=1))
        self.assertEqual(bonuses.catch_up(days(3)), said())
        self.assertEqual(self.keys("welcome:"), [(f"welcome:{self.olena.pk}", 100)])
        # Available at once, beside the 30 points still pending.
        self.assertEqual((self.account().balance, self.account().pending), (100, 0))
        ledger.catch_up(days(4))
        self.assertEqual((self.account().balance, self.account().pending), (100, 30))
        self.assertEqual(self.keys("welcome:"), [(f"welcome:{self.olena.pk}", 100)])
        self.assertLedgerHolds()

    def test_a_customer_whose_first_order_is_over_30_days_old_is_not_new(self):
        petro = Customer.objects.create(name="Petro")
        self.order("10.00", at=days(0))
        self.order("10.00", at=days(40))
        self.order("10.00", at=days(10), customer=petro)
        self.assertEqual(bonuses.catch_up(days(40)), said(welcome=1))
        self.assertEqual(self.keys("welcome:"), [(f"welcome:{petro.pk}", 100)])

    def test_it_gives_nothing_when_the_programme_has_no_welcome_bonus(self):
        Programme.objects.filter(pk=1).update(welcome_bonus=0)
        self.order("10.00")
        self.assertEqual(bonuses.catch_up(days(1)), said())


class BirthdayBonusTestCase(BonusTestCase):
    def test_vladivostok_celebrates_while_kyiv_is_still_on_the_day_before(self):
        ivan = Customer.objects.create(name="Ivan", time_zone="Asia/Vladivostok",
                                       birth_date=date(1990, 3, 15))
        oksana = Customer.objects.create(name="Oksana", time_zone="Europe/Kyiv",
                                         birth_date=date(1991, 3, 15))
        # 15:00 UTC: 01:00 on the 15th in Vladivostok (UTC+10), 17:00 on the 14th in Kyiv.
        self.assertEqual(bonuses.birthdays(at(2027, 3, 14, 15)), 1)
        self.assertEqual(self.keys("birthday:"), [(f"birthday:{ivan.pk}:2027", 200)])
        # 21:59 UTC is 23:59 in Kyiv (UTC+2 until the end of March): not yet.
        self.assertEqual(bonuses.birthdays(at(2027, 3, 14, 21, 59)), 0)
        # Five minutes past Kyiv's midnight.
        self.assertEqual(bonuses.birthdays(at(2027, 3, 14, 22, 5)), 1)
        self.assertEqual(bonuses.birthdays(at(2027, 3, 15, 12)), 0)
        self.assertEqual(self.keys("birthday:"), [(f"birthday:{ivan.pk}:2027", 200),
                                                  (f"birthday:{oksana.pk}:2027", 200)])
        self.assertLedgerHolds()

    def test_29_february_is_kept_on_28_february_in_other_years_once_a_year(self):
        leap = Customer.objects.create(name="Leap", time_zone="Europe/Kyiv",
                                       birth_date=date(2000, 2, 29))
        self.assertEqual(bonuses.birthdays(at(2027, 2, 27, 12)), 0)
        self.assertEqual(bonuses.birthdays(at(2027, 2, 28, 10)), 1)
        self.assertEqual(bonuses.birthdays(at(2027, 2, 28, 20)), 0)
        self.assertEqual(bonuses.birthdays(at(2027, 3, 1, 10)), 0)
        # 2028 has a 29th: not on the 28th, but on the day itself.
        self.assertEqual(bonuses.birthdays(at(2028, 2, 28, 10)), 0)
        self.assertEqual(bonuses.birthdays(at(2028, 2, 29, 10)), 1)
        self.assertEqual(bonuses.birthdays(at(2028, 2, 29, 11)), 0)
        self.assertEqual(self.keys("birthday:"), [(f"birthday:{leap.pk}:2027", 200),
                                                  (f"birthday:{leap.pk}:2028", 200)])
        self.assertEqual(self.account(leap).balance, 400)
        self.assertLedgerHolds()

    def test_the_hook_decides_the_points(self):
        Programme.objects.filter(pk=1).update(birthday_bonus=0)
        Customer.objects.create(name="Ivan", birth_date=date(1990, 3, 15))
        self.assertEqual(bonuses.birthdays(at(2027, 3, 15, 12)), 0)
        self.assertEqual(self.keys("birthday:"), [])


class FirstAnswerBonusTestCase(BonusTestCase):
    def test_it_rewards_the_first_answer_once(self):
        self.answer(self.olena, days(1))
        self.assertEqual(bonuses.catch_up(days(2)), said(answer=1))
        self.answer(self.olena, days(3))
        self.assertEqual(bonuses.catch_up(days(4)), said())
        self.assertEqual(self.keys("first-answer:"), [(f"first-answer:{self.olena.pk}", 50)])
        self.assertEqual(self.account().balance, 50)


class ReviewBonusTestCase(BonusTestCase):
    """A review is a survey answer with a written comment: the score alone is not one."""

    def test_it_rewards_a_written_comment_once_per_customer(self):
        Programme.objects.filter(pk=1).update(first_answer_bonus=0, review_bonus=40)
        self.answer(self.olena, days(1))
        self.answer(self.olena, days(2), comment="   ")
        self.assertEqual(bonuses.catch_up(days(3)), said())
        self.answer(self.olena, days(4), comment="Fast delivery, kind courier")
        self.assertEqual(bonuses.catch_up(days(5)), said(review=1))
        self.answer(self.olena, days(6), comment="Again lovely")
        self.assertEqual(bonuses.catch_up(days(7)), said())
        self.assertEqual(self.keys("review:"), [(f"review:{self.olena.pk}", 40)])
        entry = Entry.objects.get(key=f"review:{self.olena.pk}")
        self.assertEqual((entry.kind, entry.reason, entry.at),
                         (Kind.BONUS, "Bonus for a review", days(5)))
        self.assertEqual(self.account().balance, 40)
        self.assertLedgerHolds()

    def test_a_review_older_than_30_days_or_a_programme_without_the_bonus_gives_nothing(self):
        petro = Customer.objects.create(name="Petro")
        self.answer(petro, days(0), comment="Good shop")
        Programme.objects.filter(pk=1).update(review_bonus=0)
        self.assertEqual(bonuses.reviews(Programme.current(), days(1)), 0)
        Programme.objects.filter(pk=1).update(review_bonus=40)
        # Day 0 is 31 days before day 31: past the 30 days a bonus looks back.
        self.assertEqual(bonuses.reviews(Programme.current(), days(31)), 0)
        self.assertEqual(bonuses.reviews(Programme.current(), days(30)), 1)
        self.assertEqual(self.keys("review:"), [(f"review:{petro.pk}", 40)])


class RewardTestCase(BonusTestCase):
    def test_a_reward_is_given_once_per_key_to_an_audience_or_one_customer(self):
        boss = get_user_model().objects.create_user("boss")
        petro = Customer.objects.create(name="Petro")
        self.assertEqual(bonuses.reward([self.olena, petro.pk], 30, "Sorry for the storm",
                                        key="storm", by=boss, now=days(1)), 2)
        self.assertEqual(bonuses.reward(Customer.objects.all(), 30, "Sorry for the storm",
                                        key="storm", by=boss, now=days(2)), 0)
        self.assertEqual(bonuses.reward(self.olena, 70, "Tenth order", key="tenth",
                                        now=days(3)), 1)
        self.assertEqual(self.account().balance, 100)
        self.assertEqual(self.account(petro).balance, 30)
        storm = Entry.objects.get(key=f"reward:storm:{petro.pk}")
        self.assertEqual((storm.kind, storm.reason, storm.user, storm.at),
                         (Kind.BONUS, "Sorry for the storm", boss, days(1)))
        self.assertLedgerHolds()

    def test_a_reward_needs_points_a_reason_and_a_key(self):
        for points, reason, key in ((0, "why", "k"), (5, " ", "k"), (5, "why", "")):
            with self.assertRaises(LedgerError):
                bonuses.reward(self.olena, points, reason, key=key)
        self.assertEqual(Entry.objects.count(), 0)


class TimelineTestCase(BonusTestCase):
    def test_the_timeline_shows_bonuses_rewards_and_redemptions(self):
        bonuses.reward(self.olena, 70, "Tenth order", key="tenth", now=days(1))
        self.assertTrue(ledger.redeem(self.olena.pk, 20, "r1", now=days(2)).applied)
        self.order("10.00", at=days(3))
        ledger.catch_up(days(3))  # earns (not shown: the order is) and welcomes
        events = [(e.kind, e.time, e.title, e.detail)
                  for e in timeline(self.olena) if e.kind == "loyalty"]
        self.assertEqual(events, [
            ("loyalty", days(3), "Bonus: +100 points", "Welcome bonus"),
            ("loyalty", days(2), "Redeemed: -20 points", ""),
            ("loyalty", days(1), "Bonus: +70 points", "Tenth order"),
        ])
        self.assertEqual([e.kind for e in timeline(self.olena, kinds={"loyalty"},
                                                   before=days(2))], ["loyalty"])
