"""Survey results: invitations, answers, response rate and the NPS, CSAT or CES.

The database counts the answers per survey and score in one grouped query; the analytics
library turns those counts into the scores and the NPS margin of error, so the scales, the
bands and the formulas live in one place.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, QuerySet

from tenure.analytics.bands import nps_margin_of_error, score_from_counts

from .models import SCALES, SurveyKind, score_tone


@dataclass(frozen=True)
class SurveyResults:
    """The invitations of one survey and their answers, counted per score."""

    kind: str
    invited: int = 0
    answers: dict[int, int] = field(default_factory=dict)  # score -> answers

    @property
    def answered(self) -> int:
        return sum(self.answers.values())

    @property
    def response_rate(self) -> float | None:
        """Return the answered share of the invitations, in %."""
        return 100.0 * self.answered / self.invited if self.invited else None

    def count(self, tone: str) -> int:
        """Return the answers of ``tone``: "low", "mid" or "high" (see ``score_tone``)."""
        return sum(n for score, n in self.answers.items() if score_tone(self.kind, score) == tone)

    @property
    def score(self) -> float | None:
        """Return the NPS or CES (-100..100), or the CSAT (%); None without answers."""
        if not self.answered:
            return None
        return score_from_counts(self.kind, self.answers)

    @property
    def margin_of_error(self) -> float | None:
        """Return the NPS's 95 % margin of error in points (None for CSAT, CES, no answers)."""
        n = self.answered
        if self.kind != SurveyKind.NPS or not n:
            return None
        return nps_margin_of_error(self.count("high") / n, self.count("low") / n, n)

    def distribution(self) -> list[dict]:
        """Return each score of the scale with its answers and their share, in %."""
        low, high = SCALES[self.kind]
        n = self.answered
        return [
            {"score": s, "answers": self.answers.get(s, 0), "tone": score_tone(self.kind, s),
             "share": 100.0 * self.answers.get(s, 0) / n if n else 0.0}
            for s in range(low, high + 1)
        ]


def results_by_survey(surveys, invitations: QuerySet) -> dict[int, SurveyResults]:
    """Return the results of each of ``surveys`` over ``invitations``, by survey id."""
    kinds = {survey.pk: survey.kind for survey in surveys}
    invited: dict[int, int] = defaultdict(int)
    answers: dict[int, dict[int, int]] = defaultdict(dict)
    rows = (invitations.filter(survey__in=list(kinds)).order_by()
            .values("survey_id", "answer__score").annotate(n=Count("pk"))
            .values_list("survey_id", "answer__score", "n"))
    for survey_id, score, n in rows:
        invited[survey_id] += n
        if score is not None:
            answers[survey_id][score] = n
    return {pk: SurveyResults(kind, invited[pk], answers[pk]) for pk, kind in kinds.items()}
