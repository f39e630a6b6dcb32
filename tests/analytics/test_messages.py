"""The library's notes and warnings said again in Russian and Ukrainian (`messages`)."""

from __future__ import annotations

import pytest

from tenure.analytics.messages import N_, translate

NOT_CONVERGED = ("Pareto/NBD fit did not converge after 35 iterations: the estimates may "
                 "be off. Check the data (are there repeat buyers?) or simplify the model.")


def test_a_message_is_found_by_its_template_and_said_with_the_same_values():
    assert translate(NOT_CONVERGED, "ru") == (
        "Подгонка Pareto/NBD не сошлась за 35 итераций: оценки могут быть неточными. "
        "Проверьте данные (есть ли повторные покупатели?) или упростите модель.")
    assert translate(NOT_CONVERGED, "uk").startswith("Підгонка Pareto/NBD не зійшлася за 35 ")


def test_a_value_that_is_itself_a_message_is_translated_too():
    note = ("Churn risk was not computed: every calibration customer churned: the model has "
            "nothing to learn from. Check the horizon and the activity window.")
    assert translate(note, "uk") == (
        "Ризик відтоку не розраховано: у вибірці «калібрування» пішли всі клієнти: моделі "
        "нема на чому вчитися. Перевірте горизонт і вікно активності.")


def test_a_cluster_of_two_traits_reads_as_one_sentence():
    text = ("Cluster 2 (31% of customers): buy 2.4 times as often as the typical customer and "
            "are newer customers (40 days vs 300).")
    assert translate(text, "ru") == (
        "Кластер 2 (31% клиентов): покупают в 2.4 раза чаще типичного клиента и стали "
        "клиентами недавно (40 дн. против 300).")


@pytest.mark.parametrize("language", ["en", "de", "ru"])
def test_english_other_languages_and_unknown_text_come_back_unchanged(language):
    assert translate("a sentence no template made", language) == "a sentence no template made"
    if language != "ru":
        assert translate(NOT_CONVERGED, language) == NOT_CONVERGED


def test_the_marker_returns_the_template_itself():
    assert N_("{first} and {second}") == "{first} and {second}"


def test_what_the_library_writes_is_what_the_catalogue_holds():
    # The messages come from the code that writes them, not from a copy of their text.
    from tenure.analytics.segments.clustering import Trait, describe

    text = describe(3, 0.05, [Trait("tenure_days", "higher", None, 900, 300, 1.0)])
    assert translate(text, "ru") == ("Кластер 3 (5% клиентов): дольше остаются клиентами "
                                     "(900 дн. против 300).")


def test_a_phrase_with_brackets_is_not_taken_for_the_start_of_two():
    text = ("Cluster 2 (13% of customers): are newer customers (65 days vs 478) and bought "
            "recently (36 days since the last purchase vs 203 for the typical customer).")
    assert translate(text, "ru") == (
        "Кластер 2 (13% клиентов): стали клиентами недавно (65 дн. против 478) и покупали "
        "недавно (36 дн. с последней покупки против 203 у типичного клиента).")
