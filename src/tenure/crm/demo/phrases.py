"""What the shop's people write down, in the customer's language: contact summaries,
complaints and their resolutions, planned calls, and the customers' survey comments.

Each key holds a few variants per locale; ``{order}`` is an order number.
"""

from __future__ import annotations

import numpy as np

Phrases = dict[str, dict[str, list[str]]]

CONTACTS: Phrases = {
    "delivery_check": {
        "uk_UA": ["Уточнив доставку замовлення {order}: усе отримано, клієнт задоволений.",
                  "Зателефонував після замовлення {order}: товар підійшов, зауважень немає."],
        "ru_RU": ["Уточнил доставку заказа {order}: всё получено, клиент доволен.",
                  "Позвонил после заказа {order}: товар подошёл, замечаний нет."],
        "en_US": ["Checked on the delivery of order {order}: all received, customer happy.",
                  "Called after order {order}: the item fits, no issues."],
    },
    "no_answer": {
        "uk_UA": ["Не додзвонився щодо замовлення {order}, спробую ще раз.",
                  "Дзвінок щодо замовлення {order}: не відповідає."],
        "ru_RU": ["Не дозвонился по заказу {order}, попробую ещё раз.",
                  "Звонок по заказу {order}: не отвечает."],
        "en_US": ["No answer about order {order}; will try again.",
                  "Called about order {order}: no one picked up."],
    },
    "callback": {
        "uk_UA": ["Клієнт зайнятий, просить передзвонити щодо замовлення {order} завтра.",
                  "Попросили набрати ввечері, після 18:00."],
        "ru_RU": ["Клиент занят, просит перезвонить по заказу {order} завтра.",
                  "Попросили перезвонить вечером, после 18:00."],
        "en_US": ["Busy right now, asked me to call back about order {order} tomorrow.",
                  "Asked to be called back in the evening, after 6 pm."],
    },
    "email_check": {
        "uk_UA": ["Написав листа щодо замовлення {order}: чи все гаразд із доставкою.",
                  "Надіслав лист із подякою за замовлення {order} і порадами з догляду."],
        "ru_RU": ["Написал письмо по заказу {order}: всё ли в порядке с доставкой.",
                  "Отправил письмо с благодарностью за заказ {order} и советами по уходу."],
        "en_US": ["Emailed about order {order}: asked whether the delivery went well.",
                  "Sent a thank-you email for order {order} with care tips."],
    },
    "phone_order": {
        "uk_UA": ["Оформив замовлення {order} по телефону.",
                  "Клієнт зателефонував і замовив {order}, доставка завтра."],
        "ru_RU": ["Оформил заказ {order} по телефону.",
                  "Клиент позвонил и заказал {order}, доставка завтра."],
        "en_US": ["Took order {order} over the phone.",
                  "Customer called in and placed order {order}, delivery tomorrow."],
    },
    "offer_ordered": {
        "uk_UA": ["Розповів про акцію тижня, клієнт вирішив замовити.",
                  "Запропонував новинки з улюбленої категорії, домовилися про замовлення."],
        "ru_RU": ["Рассказал об акции недели, клиент решил заказать.",
                  "Предложил новинки из любимой категории, договорились о заказе."],
        "en_US": ["Told them about this week's deal; they decided to order.",
                  "Offered the new arrivals in their favourite category; agreed on an order."],
    },
    "offer_interested": {
        "uk_UA": ["Запропонував сезонні знижки, клієнт подумає.",
                  "Розповів про програму лояльності, цікавиться."],
        "ru_RU": ["Предложил сезонные скидки, клиент подумает.",
                  "Рассказал о программе лояльности, интересуется."],
        "en_US": ["Offered the seasonal discounts; they will think about it.",
                  "Explained the loyalty programme; interested."],
    },
    "question": {
        "uk_UA": ["Питав, коли приїде замовлення {order}; надіслав номер накладної.",
                  "Питання щодо оплати замовлення {order} частинами, пояснив умови."],
        "ru_RU": ["Спрашивал, когда приедет заказ {order}; отправил трек-номер.",
                  "Вопрос про оплату заказа {order} частями, объяснил условия."],
        "en_US": ["Asked when order {order} arrives; sent the tracking number.",
                  "Asked about paying for order {order} in instalments; explained the terms."],
    },
    "invoice": {
        "uk_UA": ["Надіслав рахунок і номер накладної замовлення {order}.",
                  "Надіслав рахунок-фактуру за замовлення {order} для бухгалтерії."],
        "ru_RU": ["Отправил счёт и трек-номер заказа {order}.",
                  "Отправил счёт-фактуру по заказу {order} для бухгалтерии."],
        "en_US": ["Sent the invoice and tracking number of order {order}.",
                  "Sent the invoice for order {order} to their accounts team."],
    },
    "meeting": {
        "uk_UA": ["Зустрілися в магазині, допоміг підібрати подарунок.",
                  "Показав новинки в магазині, клієнт узяв на примірку."],
        "ru_RU": ["Встретились в магазине, помог подобрать подарок.",
                  "Показал новинки в магазине, клиент взял на примерку."],
        "en_US": ["Met in the store and helped choose a gift.",
                  "Showed the new arrivals in the store."],
    },
    "note": {
        "uk_UA": ["Просить не телефонувати у вихідні.", "Краще писати в месенджер, ніж дзвонити.",
                  "Купує для офісу, потрібні рахунки на компанію."],
        "ru_RU": ["Просит не звонить по выходным.", "Лучше писать в мессенджер, чем звонить.",
                  "Покупает для офиса, нужны счета на компанию."],
        "en_US": ["Please no calls at weekends.", "Prefers messages to calls.",
                  "Buys for the office; invoices go to the company."],
    },
}

COMPLAINTS: Phrases = {
    "product": {
        "uk_UA": ["Товар із замовлення {order} перестав працювати через тиждень.",
                  "У замовленні {order} товар із дефектом: подряпини на корпусі.",
                  "Товар із замовлення {order} не відповідає опису на сайті."],
        "ru_RU": ["Товар из заказа {order} перестал работать через неделю.",
                  "В заказе {order} товар с дефектом: царапины на корпусе.",
                  "Товар из заказа {order} не соответствует описанию на сайте."],
        "en_US": ["The item from order {order} stopped working after a week.",
                  "Order {order} came with a faulty item: scratches on the case.",
                  "The item from order {order} is not as described on the website."],
    },
    "delivery": {
        "uk_UA": ["Замовлення {order} досі не доставлене, хоча строк минув.",
                  "Коробку із замовленням {order} привезли пошкодженою.",
                  "У замовленні {order} привезли не той товар."],
        "ru_RU": ["Заказ {order} до сих пор не доставлен, хотя срок прошёл.",
                  "Коробку с заказом {order} привезли повреждённой.",
                  "В заказе {order} привезли не тот товар."],
        "en_US": ["Order {order} has still not arrived, and the delivery date has passed.",
                  "The box with order {order} arrived damaged.",
                  "Order {order} contained the wrong item."],
    },
    "service": {
        "uk_UA": ["Менеджер не передзвонив щодо замовлення {order}, як обіцяв.",
                  "Неввічливе спілкування в магазині під час оформлення замовлення {order}.",
                  "На лінії підтримки довелося чекати понад 20 хвилин."],
        "ru_RU": ["Менеджер не перезвонил по заказу {order}, как обещал.",
                  "Невежливое общение в магазине при оформлении заказа {order}.",
                  "На линии поддержки пришлось ждать больше 20 минут."],
        "en_US": ["The manager did not call back about order {order} as promised.",
                  "Rude staff in the store when placing order {order}.",
                  "Waited over 20 minutes on the support line."],
    },
    "billing": {
        "uk_UA": ["За замовлення {order} гроші списали двічі.",
                  "До замовлення {order} не застосувалася знижка.",
                  "Не прийшов чек за замовлення {order}."],
        "ru_RU": ["За заказ {order} деньги списали дважды.",
                  "К заказу {order} не применилась скидка.",
                  "Не пришёл чек за заказ {order}."],
        "en_US": ["I was charged twice for order {order}.",
                  "The discount was not applied to order {order}.",
                  "No receipt for order {order}."],
    },
    "return": {
        "uk_UA": ["Повернення за замовленням {order} оформили два тижні тому, а гроші досі не "
                  "надійшли.",
                  "Відмовили в поверненні товару із замовлення {order} без пояснень."],
        "ru_RU": ["Возврат по заказу {order} оформили две недели назад, а деньги до сих пор не "
                  "пришли.",
                  "Отказали в возврате товара из заказа {order} без объяснений."],
        "en_US": ["The return of order {order} was accepted two weeks ago; still no refund.",
                  "The return of an item from order {order} was refused with no reason given."],
    },
    "other": {
        "uk_UA": ["Отримую розсилку, хоча відписався.", "Не можу увійти в особистий кабінет."],
        "ru_RU": ["Получаю рассылку, хотя отписался.", "Не могу войти в личный кабинет."],
        "en_US": ["I still get the newsletter after unsubscribing.",
                  "I cannot sign in to my account."],
    },
}

RESOLUTIONS: Phrases = {
    "product": {
        "uk_UA": ["Замінили товар на новий, доставка за наш рахунок.",
                  "Повернули гроші за товар і додали купон на 10 %."],
        "ru_RU": ["Заменили товар на новый, доставка за наш счёт.",
                  "Вернули деньги за товар и добавили купон на 10 %."],
        "en_US": ["Replaced the item; we paid for the delivery.",
                  "Refunded the item and added a 10 % coupon."],
    },
    "delivery": {
        "uk_UA": ["Перевідправили замовлення експрес-доставкою.",
                  "Доставили правильний товар, неправильний забрав кур'єр.",
                  "Компенсували вартість доставки."],
        "ru_RU": ["Переотправили заказ экспресс-доставкой.",
                  "Доставили правильный товар, неправильный забрал курьер.",
                  "Компенсировали стоимость доставки."],
        "en_US": ["Sent the order again by express delivery.",
                  "Delivered the right item; the courier took the wrong one back.",
                  "Refunded the delivery cost."],
    },
    "service": {
        "uk_UA": ["Вибачилися, поговорили з працівником, надали купон на 10 %.",
                  "Менеджер зв'язався з клієнтом і все пояснив."],
        "ru_RU": ["Извинились, поговорили с сотрудником, дали купон на 10 %.",
                  "Менеджер связался с клиентом и всё объяснил."],
        "en_US": ["Apologised, spoke to the employee, gave a 10 % coupon.",
                  "The manager called the customer and explained everything."],
    },
    "billing": {
        "uk_UA": ["Повернули зайве списання на картку.",
                  "Перерахували суму зі знижкою, різницю повернули.",
                  "Надіслали чек на пошту."],
        "ru_RU": ["Вернули лишнее списание на карту.",
                  "Пересчитали сумму со скидкой, разницу вернули.",
                  "Отправили чек на почту."],
        "en_US": ["Refunded the double charge to the card.",
                  "Applied the discount and refunded the difference.",
                  "Emailed the receipt."],
    },
    "return": {
        "uk_UA": ["Прискорили повернення, гроші надійшли на картку.",
                  "Прийняли повернення, кошти повернуто."],
        "ru_RU": ["Ускорили возврат, деньги поступили на карту.",
                  "Приняли возврат, деньги возвращены."],
        "en_US": ["Sped up the refund; the money is back on the card.",
                  "Accepted the return and refunded it."],
    },
    "other": {
        "uk_UA": ["Відписали від розсилки.", "Відновили доступ до кабінету."],
        "ru_RU": ["Отписали от рассылки.", "Восстановили доступ к кабинету."],
        "en_US": ["Unsubscribed them from the newsletter.", "Restored access to the account."],
    },
}

REOPENED: dict[str, str] = {
    "uk_UA": "Клієнт повідомив, що проблема повторилася.",
    "ru_RU": "Клиент сообщил, что проблема повторилась.",
    "en_US": "The customer says the problem is back.",
}

ACTIVITIES: Phrases = {
    "follow_up": {
        "uk_UA": ["Дзвінок після замовлення {order}"],
        "ru_RU": ["Звонок после заказа {order}"],
        "en_US": ["Follow-up call on order {order}"],
    },
    "win_back": {
        "uk_UA": ["Повернути клієнта: давно не купував", "Запропонувати знижку на повернення"],
        "ru_RU": ["Вернуть клиента: давно не покупал", "Предложить скидку на возвращение"],
        "en_US": ["Win-back call: no recent orders", "Offer a come-back discount"],
    },
    "offer": {
        "uk_UA": ["Запропонувати сезонні знижки", "Розповісти про новинки"],
        "ru_RU": ["Предложить сезонные скидки", "Рассказать о новинках"],
        "en_US": ["Offer the seasonal discounts", "Tell them about the new arrivals"],
    },
    "meeting": {
        "uk_UA": ["Зустріч у магазині: підбір подарунків"],
        "ru_RU": ["Встреча в магазине: подбор подарков"],
        "en_US": ["Store meeting: choosing gifts"],
    },
    "invoice": {
        "uk_UA": ["Надіслати рахунок за замовлення {order}"],
        "ru_RU": ["Отправить счёт за заказ {order}"],
        "en_US": ["Send the invoice for order {order}"],
    },
    "quote": {
        "uk_UA": ["Підготувати комерційну пропозицію", "Надіслати каталог новинок"],
        "ru_RU": ["Подготовить коммерческое предложение", "Отправить каталог новинок"],
        "en_US": ["Prepare a quote", "Send the new catalogue"],
    },
}

# What came of a done activity; the key is the outcome of the contact it was.
ACTIVITY_OUTCOMES: Phrases = {
    "reached": {
        "uk_UA": ["Поговорили, усе гаразд, клієнт задоволений."],
        "ru_RU": ["Поговорили, всё в порядке, клиент доволен."],
        "en_US": ["Talked; all fine, the customer is happy."],
    },
    "ordered": {
        "uk_UA": ["Клієнт оформив нове замовлення."],
        "ru_RU": ["Клиент оформил новый заказ."],
        "en_US": ["The customer placed a new order."],
    },
    "interested": {
        "uk_UA": ["Зацікавився, надішлю добірку на пошту."],
        "ru_RU": ["Заинтересовался, пришлю подборку на почту."],
        "en_US": ["Interested; I will email a selection."],
    },
    "not_interested": {
        "uk_UA": ["Поки не планує покупок."],
        "ru_RU": ["Пока не планирует покупок."],
        "en_US": ["No purchases planned for now."],
    },
    "callback": {
        "uk_UA": ["Просить передзвонити наступного тижня."],
        "ru_RU": ["Просит перезвонить на следующей неделе."],
        "en_US": ["Asked me to call again next week."],
    },
    "no_answer": {
        "uk_UA": ["Не відповів; написав у месенджер."],
        "ru_RU": ["Не ответил; написал в мессенджер."],
        "en_US": ["No answer; left a message."],
    },
    "task": {
        "uk_UA": ["Готово, надіслав."], "ru_RU": ["Готово, отправил."],
        "en_US": ["Done and sent."],
    },
    "cancelled": {
        "uk_UA": ["Клієнт попросив не турбувати.", "Клієнт у відпустці, перенесемо."],
        "ru_RU": ["Клиент попросил не беспокоить.", "Клиент в отпуске, перенесём."],
        "en_US": ["The customer asked not to be disturbed.", "The customer is away; later."],
    },
    "apology": {
        "uk_UA": ["Вибачився, запропонував купон на 10 %; клієнт подякував.",
                  "Розібралися з причиною, клієнт готовий дати ще шанс."],
        "ru_RU": ["Извинился, предложил купон на 10 %; клиент поблагодарил.",
                  "Разобрались с причиной, клиент готов дать ещё шанс."],
        "en_US": ["Apologised and offered a 10 % coupon; the customer thanked us.",
                  "Went through what went wrong; they will give us another chance."],
    },
}

# kind -> tone -> what customers say about their score
COMMENTS: dict[str, Phrases] = {
    "nps": {
        "low": {
            "uk_UA": ["Доставка затрималася на тиждень.", "Ціни вищі, ніж у конкурентів.",
                      "Товар не відповідав опису.", "Довго не могли додзвонитися до підтримки."],
            "ru_RU": ["Доставка задержалась на неделю.", "Цены выше, чем у конкурентов.",
                      "Товар не соответствовал описанию.", "Долго не могли дозвониться в "
                      "поддержку."],
            "en_US": ["Delivery was a week late.", "Prices are higher than elsewhere.",
                      "The item was not as described.", "Could not get through to support."],
        },
        "mid": {
            "uk_UA": ["Загалом нормально, але доставка могла б бути швидшою.",
                      "Хороший вибір, але сайт незручний."],
            "ru_RU": ["В целом нормально, но доставка могла бы быть быстрее.",
                      "Хороший выбор, но сайт неудобный."],
            "en_US": ["Fine overall, but delivery could be faster.",
                      "Good choice, but the website is clumsy."],
        },
        "high": {
            "uk_UA": ["Швидка доставка і ввічливий менеджер!", "Купую тут не вперше, усе чудово.",
                      "Великий вибір і хороші ціни."],
            "ru_RU": ["Быстрая доставка и вежливый менеджер!", "Покупаю не впервые, всё отлично.",
                      "Большой выбор и хорошие цены."],
            "en_US": ["Fast delivery and a friendly manager!", "Not my first order; always great.",
                      "Great choice and fair prices."],
        },
    },
    "csat": {
        "low": {
            "uk_UA": ["Проблему вирішували занадто довго.",
                      "Довелося кілька разів пояснювати одне й те саме."],
            "ru_RU": ["Проблему решали слишком долго.",
                      "Пришлось несколько раз объяснять одно и то же."],
            "en_US": ["It took far too long to sort out.",
                      "I had to explain the same thing several times."],
        },
        "mid": {
            "uk_UA": ["Вирішили, але не з першого разу."],
            "ru_RU": ["Решили, но не с первого раза."],
            "en_US": ["Sorted, but not the first time round."],
        },
        "high": {
            "uk_UA": ["Швидко замінили товар, дякую!", "Менеджер усе владнав за один дзвінок."],
            "ru_RU": ["Быстро заменили товар, спасибо!", "Менеджер всё уладил за один звонок."],
            "en_US": ["Replaced quickly, thank you!", "The manager fixed it in one call."],
        },
    },
}


def pick(table: dict[str, list[str]], locale: str, roll: float, **names) -> str:
    """Return the variant of ``table[locale]`` that ``roll`` (0..1) falls on, filled in."""
    variants = table[locale]
    return variants[min(int(roll * len(variants)), len(variants) - 1)].format(**names)


def pick_all(table: Phrases, keys: list[str], locales: list[str], rolls: np.ndarray,
             orders: list[str] | None = None) -> list[str]:
    """Return one phrase per row: ``table[keys[i]]`` in ``locales[i]``, variant by ``rolls[i]``."""
    orders = orders or [""] * len(keys)
    return [pick(table[k], loc, r, order=o)
            for k, loc, r, o in zip(keys, locales, rolls.tolist(), orders, strict=True)]
