"""Reasons in English, Russian and Ukrainian, with the plural forms of each language."""

from __future__ import annotations

import gettext
import io

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from tenure.analytics.churn import describe
from tenure.analytics.churn.sentences import _SENTENCES, DOMAIN, LOCALE_DIR
from tenure.analytics.exceptions import InputError


@pytest.mark.parametrize(("n", "ru", "uk"), [
    (1, "нет покупок уже 1 день", "немає покупок уже 1 день"),
    (2, "нет покупок уже 2 дня", "немає покупок уже 2 дні"),
    (5, "нет покупок уже 5 дней", "немає покупок уже 5 днів"),
    (11, "нет покупок уже 11 дней", "немає покупок уже 11 днів"),
    (21, "нет покупок уже 21 день", "немає покупок уже 21 день"),
    (94, "нет покупок уже 94 дня", "немає покупок уже 94 дні"),
])
def test_days_take_the_right_plural_form(n, ru, uk):
    reason = {"code": "no_recent_purchase", "days": n}
    assert describe(reason, "ru") == ru
    assert describe(reason, "uk") == uk
    assert describe(reason, "en") == f"no purchase for {n} day" + ("" if n == 1 else "s")


def test_the_issues_examples_in_three_languages():
    overdue = {"code": "overdue", "days": 94, "usual_gap": 30, "impact": 0.8}
    assert describe(overdue) == "no purchase for 94 days; usually buys every 30 days"
    assert describe(overdue, "ru") == "нет покупок уже 94 дня; обычно покупает раз в 30 дней"
    assert describe(overdue, "uk") == "немає покупок уже 94 дні; зазвичай купує раз на 30 днів"
    complaints = {"code": "complaints_open", "count": 2}
    assert describe(complaints) == "2 complaints not resolved"
    assert describe(complaints, "ru") == "2 жалобы не решены"
    assert describe(complaints, "uk") == "2 скарги не вирішені"
    fell = {"code": "nps_fell", "before": 9, "after": 4}
    assert describe(fell) == "NPS fell from 9 to 4"
    assert describe(fell, "ru") == "оценка NPS снизилась с 9 до 4"
    assert describe(fell, "uk") == "оцінка NPS знизилася з 9 до 4"


@pytest.mark.parametrize(("count", "ru"), [
    (1, "1 жалоба не решена"), (2, "2 жалобы не решены"), (5, "5 жалоб не решено"),
    (21, "21 жалоба не решена"),
])
def test_russian_agrees_the_verb_with_the_number(count, ru):
    assert describe({"code": "complaints_open", "count": count}, "ru-RU") == ru


def test_numbers_are_written_the_languages_way():
    reason = {"code": "few_expected_purchases", "expected": 0.4, "days": 60}
    assert describe(reason, "en") == "expected purchases in the next 60 days: 0.4"
    assert describe(reason, "ru") == "ожидаемых покупок за следующие 60 дней: 0,4"
    alive = {"code": "low_p_alive", "percent": 23}
    assert describe(alive, "en") == "chance the customer is still active: 23%"
    assert describe(alive, "ru_RU") == "вероятность, что клиент ещё активен: 23\xa0%"
    assert describe(alive, "uk_UA") == "ймовірність, що клієнт ще активний: 23%"


def test_every_code_reads_in_every_language_with_its_own_numbers():
    samples = {
        "overdue": {"days": 40, "usual_gap": 12}, "no_recent_purchase": {"days": 40},
        "fewer_orders": {"recent": 1, "before": 4}, "one_purchase": {"days": 3},
        "few_orders": {"orders": 2}, "returns": {"count": 3}, "nps_fell": {"before": 9,
                                                                          "after": 4},
        "nps_detractor": {"score": 3}, "low_csat": {"score": 2}, "hard_effort": {"score": 5},
        "detractor_answers": {"count": 2}, "complaints_open": {"count": 1},
        "complaints": {"count": 4}, "no_contact": {"days": 120},
        "inbound_contacts": {"count": 6}, "no_response": {"messages": 7},
        "few_responses": {"responses": 1, "messages": 8}, "contract_ends": {"days": 12},
        "low_p_alive": {"percent": 8}, "few_expected_purchases": {"expected": 0.3,
                                                                  "days": 45},
        "like_most": {"percent": 72, "days": 45},
    }
    assert set(samples) == set(_SENTENCES)
    for code, numbers in samples.items():
        texts = {lang: describe({"code": code, **numbers}, lang) for lang in ("en", "ru", "uk")}
        assert len(set(texts.values())) == 3, texts  # translated, not the English fallback
        for text in texts.values():
            for value in numbers.values():
                assert str(value).replace(".", ",") in text.replace(".", ","), (code, text)
    assert describe({"code": "no_contact", "days": None}, "ru") == "контактов ещё не было"


def test_unknown_codes_languages_and_missing_numbers_are_refused():
    with pytest.raises(InputError, match="unknown churn reason code 'mood'"):
        describe({"code": "mood"})
    with pytest.raises(InputError, match="written in en, ru, uk; got 'de'"):
        describe({"code": "returns", "count": 1}, "de")
    with pytest.raises(InputError, match="lacks its number 'count'"):
        describe({"code": "returns"})


@pytest.mark.parametrize("language", ["ru", "uk"])
def test_the_compiled_catalogue_matches_its_source(language):
    # The .mo shipped must be the .po compiled: recompile the source in memory and compare
    # what gettext reads from both.
    folder = LOCALE_DIR / language / "LC_MESSAGES"
    with (folder / f"{DOMAIN}.po").open("rb") as handle:
        catalog = read_po(handle)
    untranslated = [m.id for m in catalog if m.id and (
        not all(m.string) if isinstance(m.string, tuple) else not m.string)]
    assert untranslated == []
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    fresh = gettext.GNUTranslations(compiled)
    with (folder / f"{DOMAIN}.mo").open("rb") as handle:
        shipped = gettext.GNUTranslations(handle)
    assert shipped._catalog == fresh._catalog  # the parsed messages
    assert shipped.plural(21) == fresh.plural(21) == 0 and shipped.plural(22) == 1


def test_every_message_the_code_uses_is_in_the_template():
    # The reasons' sentences and the messages marked N_ anywhere in the library.
    from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_file

    keywords = {**DEFAULT_KEYWORDS, "N_": None}
    used = {m[1] if isinstance(m[1], str) else m[1][0]
            for source in sorted(LOCALE_DIR.parent.rglob("*.py"))
            for m in extract_from_file("python", str(source), keywords=keywords)}
    with (LOCALE_DIR / f"{DOMAIN}.pot").open("rb") as handle:
        template = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}
    assert used == template


@pytest.mark.parametrize("language", ["en", "ru", "uk"])
def test_each_customers_text_is_their_sentences_joined(language):
    from tenure.analytics.churn.sentences import describe_each

    customers = [
        [{"code": "overdue", "days": 40, "usual_gap": 12, "impact": 0.4},
         {"code": "returns", "count": 3, "impact": 0.1}],
        [],
        [{"code": "returns", "count": 3, "impact": 0.9}],  # worded once, said twice
        [{"code": "returns", "count": 1, "impact": 0.2},
         {"code": "few_expected_purchases", "expected": 0.3, "days": 45, "impact": 0.05},
         {"code": "no_contact", "days": None, "impact": 0.03}],
    ]
    expected = ["; ".join(describe(r, language) for r in reasons) for reasons in customers]
    assert describe_each(customers, language) == expected
    assert expected[2] and expected[1] == ""


def test_describe_each_words_shared_and_fresh_reasons_alike():
    from tenure.analytics.churn.sentences import describe_each

    shared = {"code": "returns", "count": 2, "impact": 0.3}
    # Fresh dicts made and freed one customer at a time: an object's id is reused by the
    # next, and must not bring back the previous one's words.
    fresh = ([{"code": "no_recent_purchase", "days": i, "impact": 0.1}] for i in range(50))
    assert describe_each([[shared], [shared]]) == ["2 returns in the last 12 months"] * 2
    assert describe_each(fresh) == [
        f"no purchase for {i} day{'' if i == 1 else 's'}" for i in range(50)]
