"""Survey results: counts from the database, scores by DESIGN.md's definitions."""

from __future__ import annotations

from unittest import mock

from tenure.analytics import feedback as scoring
from tenure.analytics.feedback import ces, csat, nps
from tenure.crm.feedback.models import Answer, Invitation, SurveyKind, score_tone
from tenure.crm.feedback.results import SurveyResults, results_by_survey

from .base import FeedbackTestCase


class ResultsTestCase(FeedbackTestCase):
    def survey_with(self, kind: str, scores: list[int], unanswered: int = 0):
        survey = self.make_survey(name=kind, kind=kind)
        for i, score in enumerate(scores + [None] * unanswered):
            invitation = self.invite(survey, self.make_customer(f"{kind}{i}"))
            if score is not None:
                Answer.objects.create(invitation=invitation, customer=invitation.customer,
                                      kind=kind, score=score)
        return survey

    def results(self, survey) -> SurveyResults:
        return results_by_survey([survey], Invitation.objects.all())[survey.pk]

    def test_it_counts_invitations_answers_and_the_response_rate(self):
        results = self.results(self.survey_with(SurveyKind.NPS, [10, 9, 3], unanswered=1))
        self.assertEqual((results.invited, results.answered, results.response_rate),
                         (4, 3, 75.0))

    def test_the_nps_and_its_margin_are_the_librarys(self):
        scores = [10, 9, 9, 10, 9, 8, 7, 8, 3, 6, 0]
        results = self.results(self.survey_with(SurveyKind.NPS, scores))
        expected = nps(scores)
        self.assertAlmostEqual(results.score, expected.score)
        self.assertAlmostEqual(results.margin_of_error, expected.margin_of_error)
        self.assertEqual([results.count(t) for t in ("high", "mid", "low")],
                         [expected.promoters, expected.passives, expected.detractors])

    def test_it_scores_the_nps_from_the_counts(self):
        # 3 promoters (10, 10, 9), 2 passives (8, 7), 3 detractors (6, 2, 0) of 8:
        # 100 * (3 - 3) / 8 = 0; the 95 % margin is 1.96 * sqrt(6/8 / 8) * 100.
        results = self.results(self.survey_with(SurveyKind.NPS, [10, 10, 9, 8, 7, 6, 2, 0]))
        self.assertEqual(results.answers, {10: 2, 9: 1, 8: 1, 7: 1, 6: 1, 2: 1, 0: 1})
        self.assertEqual(results.score, 0.0)
        self.assertAlmostEqual(results.margin_of_error, 1.96 * (0.75 / 8) ** 0.5 * 100)

    def test_a_band_moved_in_the_library_moves_in_the_crm(self):
        scores = [10, 9, 8, 7, 6, 0]
        survey = self.survey_with(SurveyKind.NPS, scores)
        self.assertEqual(self.results(survey).score, 0.0)  # (2 - 2) / 6
        stricter = {"low": (0, 7), "high": (9, 10)}
        with mock.patch.dict(scoring.BANDS, nps=stricter):
            results = self.results(survey)
            self.assertAlmostEqual(results.score, 100 * (2 - 3) / 6)
            self.assertEqual(results.count("mid"), 1)
            self.assertAlmostEqual(results.score, nps(scores).score)
            self.assertTrue(survey.is_low(7))
            self.assertEqual(score_tone(SurveyKind.NPS, 7), "low")

    def test_csat_and_ces_are_the_librarys(self):
        csat_scores, ces_scores = [5, 4, 3, 2, 1, 4], [1, 2, 2, 3, 5]
        self.assertAlmostEqual(self.results(self.survey_with("csat", csat_scores)).score,
                               csat(csat_scores))
        ces_results = self.results(self.survey_with("ces", ces_scores))
        self.assertAlmostEqual(ces_results.score, ces(ces_scores))
        self.assertIsNone(ces_results.margin_of_error)

    def test_a_survey_without_answers_has_no_score(self):
        results = self.results(self.survey_with(SurveyKind.NPS, [], unanswered=2))
        self.assertEqual((results.invited, results.score, results.margin_of_error),
                         (2, None, None))
        self.assertIsNone(self.results(self.make_survey(name="new")).response_rate)

    def test_the_distribution_covers_the_whole_scale(self):
        rows = self.results(self.survey_with(SurveyKind.CSAT, [5, 5, 1, 4])).distribution()
        self.assertEqual([(r["score"], r["answers"], r["share"], r["tone"]) for r in rows], [
            (1, 1, 25.0, "low"), (2, 0, 0.0, "low"), (3, 0, 0.0, "mid"),
            (4, 1, 25.0, "high"), (5, 2, 50.0, "high")])
