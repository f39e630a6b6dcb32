"""Who the customers are: names, genders, contacts, birthdays and cities.

Names come from Faker in three locales, seeded, drawn once into pools and
then sampled with numpy so 100,000 customers cost no more than 5,000.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from faker import Faker

LOCALES = ["uk_UA", "ru_RU", "en_US"]
LANGUAGES = ["uk", "ru", "en"]  # what each locale's customers read: Customer.language
LOCALE_SHARES = [0.45, 0.35, 0.20]
FEMALE_SHARE = 0.55
POOL = 400

MAJOR_CITIES = {
    "uk_UA": (["Київ", "Харків", "Одеса", "Дніпро", "Львів", "Запоріжжя", "Вінниця", "Полтава",
               "Чернігів", "Житомир"], [30, 12, 11, 10, 12, 6, 6, 5, 4, 4]),
    "ru_RU": (["Москва", "Санкт-Петербург", "Новосибирск", "Екатеринбург", "Казань",
               "Нижний Новгород", "Краснодар", "Самара"], [34, 18, 7, 7, 6, 5, 5, 4]),
    # Faker's en_US cities are invented ("Lake Seanbury"); real ones look better in a demo.
    "en_US": (["New York", "Chicago", "Los Angeles", "Houston", "Boston", "Seattle", "Miami",
               "San Francisco", "Austin", "Denver", "Philadelphia", "Atlanta"],
              [20, 10, 12, 7, 7, 7, 6, 7, 5, 5, 7, 7]),
}
PHONE_CODES = {
    "uk_UA": ("+380", ["50", "63", "66", "67", "68", "73", "93", "95", "96", "97", "98", "99"]),
    "ru_RU": ("+7", ["903", "905", "906", "909", "911", "915", "916", "917", "921", "925",
                     "926", "977", "985", "999"]),
    "en_US": ("+1", ["212", "312", "415", "617", "202", "305", "512", "718", "206", "303",
                     "404", "602", "713", "214", "503"]),
}
EMAIL_DOMAINS = {
    "uk_UA": (["gmail.com", "ukr.net", "i.ua", "meta.ua"], [0.62, 0.26, 0.07, 0.05]),
    "ru_RU": (["gmail.com", "mail.ru", "yandex.ru", "rambler.ru"], [0.4, 0.32, 0.24, 0.04]),
    "en_US": (["gmail.com", "yahoo.com", "outlook.com", "icloud.com", "hotmail.com"],
              [0.5, 0.15, 0.15, 0.12, 0.08]),
}
TRANSLIT = {
    "uk_UA": dict(zip("абвгґдеєжзиіїйклмнопрстуфхцчшщьюя'",
                      ["a", "b", "v", "h", "g", "d", "e", "ie", "zh", "z", "y", "i", "i", "i", "k",
                       "l", "m", "n", "o", "p", "r", "s", "t", "u", "f", "kh", "ts", "ch", "sh",
                       "shch", "", "iu", "ia", ""], strict=True)),
    "ru_RU": dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
                      ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n",
                       "o", "p", "r", "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y",
                       "", "e", "yu", "ya"], strict=True)),
    "en_US": {},
}


@dataclass
class Profiles:
    locale: np.ndarray  # index into LOCALES
    gender: np.ndarray  # "f" or "m"
    name: list[str]
    email: list[str]
    phone: list[str]
    birth_date: list[date | None]
    city: list[str]


def name_pools(seed: int) -> dict[tuple[str, str], tuple[list[str], list[str]]]:
    """Return first and last names per (locale, gender), drawn from a seeded Faker."""
    pools = {}
    for offset, locale in enumerate(LOCALES):
        fake = Faker(locale)
        fake.seed_instance(seed * 7 + offset)
        for gender, kind in (("m", "male"), ("f", "female")):
            first = [getattr(fake, f"first_name_{kind}")() for _ in range(POOL)]
            last = [getattr(fake, f"last_name_{kind}")() for _ in range(POOL * 2)]
            pools[locale, gender] = first, last
    return pools


def city_pools(seed: int) -> dict[str, list[str]]:
    """Return smaller towns per locale from a seeded Faker (en_US has none of its own)."""
    pools = {"en_US": []}
    for offset, locale in enumerate(LOCALES[:2]):
        fake = Faker(locale)
        fake.seed_instance(seed * 11 + offset)
        pools[locale] = [fake.city_name().split(" (")[0] for _ in range(POOL // 2)]
    return pools


def draw_profiles(rng, n: int, seed: int, end: date) -> Profiles:
    """Return ``n`` customers' profiles, about 45 % Ukrainian, 35 % Russian, 20 % American."""
    locale = rng.choice(len(LOCALES), n, p=LOCALE_SHARES)
    gender = np.where(rng.random(n) < FEMALE_SHARE, "f", "m")
    names, pools, towns = [], name_pools(seed), city_pools(seed)
    first_pick, last_pick = rng.integers(0, POOL, n), rng.integers(0, POOL * 2, n)
    for i in range(n):
        first, last = pools[LOCALES[locale[i]], gender[i]]
        names.append((first[first_pick[i]], last[last_pick[i]]))
    return Profiles(
        locale=locale, gender=gender, name=[f"{f} {la}" for f, la in names],
        email=draw_emails(rng, locale, names), phone=draw_phones(rng, locale),
        birth_date=draw_birthdays(rng, n, end), city=draw_cities(rng, locale, towns),
    )


def transliterate(text: str, locale: str) -> str:
    """Return ``text`` in lowercase Latin letters for an email address."""
    table = TRANSLIT[locale]
    latin = "".join(table.get(ch, ch) for ch in text.lower())
    return "".join(ch for ch in latin if "a" <= ch <= "z")


def draw_emails(rng, locale: np.ndarray, names: list[tuple[str, str]]) -> list[str]:
    """Return an email for about 80 % of customers (a blank string for the rest)."""
    has, pattern = rng.random(len(names)) < 0.8, rng.integers(0, 4, len(names))
    number, taken, emails = rng.integers(1, 99, len(names)), set(), []
    domain_roll = rng.random(len(names))
    for i, (first, last) in enumerate(names):
        loc = LOCALES[locale[i]]
        f, la = transliterate(first, loc), transliterate(last, loc)
        local = [f"{f}.{la}", f"{f}{la}{number[i]}", f"{f[:1]}.{la}", f"{la}.{f}{number[i]}"]
        domains, shares = EMAIL_DOMAINS[loc]
        domain = domains[min(np.searchsorted(np.cumsum(shares), domain_roll[i]), len(domains) - 1)]
        address = f"{local[pattern[i]]}@{domain}"
        while address in taken:
            address = address.replace("@", str(int(rng.integers(0, 10))) + "@", 1)
        taken.add(address)
        emails.append(address if has[i] else "")
    return emails


def draw_phones(rng, locale: np.ndarray) -> list[str]:
    """Return a mobile number of the locale's country for about 85 % of customers."""
    has = rng.random(len(locale)) < 0.85
    code_pick = rng.integers(0, 100, len(locale))
    subscriber = rng.integers(2_000_000, 9_999_999, len(locale))
    us_exchange = rng.integers(201, 999, len(locale))
    us_line = rng.integers(0, 10_000, len(locale))
    phones = []
    for i, loc in enumerate(locale):
        prefix, codes = PHONE_CODES[LOCALES[loc]]
        code = codes[code_pick[i] % len(codes)]
        if LOCALES[loc] == "en_US":
            exchange = us_exchange[i] if us_exchange[i] % 100 != 11 else us_exchange[i] + 1
            number = f"{prefix}{code}{exchange}{us_line[i]:04d}"
        else:
            number = f"{prefix}{code}{subscriber[i]}"
        phones.append(number if has[i] else "")
    return phones


def draw_birthdays(rng, n: int, end: date) -> list[date | None]:
    """Return a birthday for about 70 % of customers, ages 18 to 85, mostly 25-50."""
    age_days = (np.minimum(18 + rng.gamma(4.0, 5.0, n), 85) * 365.25).astype(int)
    known = rng.random(n) < 0.7
    return [end - timedelta(days=int(d)) if k else None for d, k in zip(age_days, known,
                                                                         strict=True)]


def draw_cities(rng, locale: np.ndarray, towns: dict[str, list[str]]) -> list[str]:
    """Return a city per customer: mostly big cities, some towns, a few unknown."""
    roll, cities = rng.random(len(locale)), np.full(len(locale), "", dtype=object)
    for index, loc in enumerate(LOCALES):
        major, weights = MAJOR_CITIES[loc]
        mine = np.flatnonzero(locale == index)
        picked = np.array(major, dtype=object)[
            rng.choice(len(major), len(mine), p=np.array(weights) / sum(weights))]
        if towns[loc]:
            town = np.array(towns[loc], dtype=object)[rng.integers(0, len(towns[loc]), len(mine))]
            picked = np.where(roll[mine] < 0.3, town, picked)
        cities[mine] = np.where(roll[mine] > 0.95, "", picked)
    return cities.tolist()
