from __future__ import annotations

from tenure.crm.imports.mapping import MappingError, auto_mapping, resolve_mapping
from tenure.crm.testing import TenureTestCase


class MappingTestCase(TenureTestCase):
    def test_it_recognises_headers_in_english_russian_and_ukrainian(self):
        cases = {
            "orders": (["Номер заказа", "Покупатель", "Дата", "Сумма", "Скидка", "Статус",
                        "Канал", "Магазин", "Себестоимость"],
                       ["order_id", "customer", "date", "amount", "discount", "status",
                        "channel", "store", "cost"]),
            "order-lines": (["Номер замовлення", "Клієнт", "Дата", "Артикул", "Кількість",
                             "Ціна", "Знижка", "Собівартість"],
                            ["order_id", "customer", "date", "product", "quantity", "price",
                             "discount", "cost"]),
            "customers": (["Customer ID", "ФИО", "E-mail", "Телефон", "Дата народження",
                           "Стать", "Місто", "Менеджер", "Пошта (2)"],
                          ["external_id", "name", "email", "phone", "birth_date", "gender",
                           "city", "manager", None]),
            "products": (["SKU", "Товар", "Категорія", "Price"],
                         ["sku", "name", "category", "price"]),
        }
        for kind, (headers, fields) in cases.items():
            with self.subTest(kind):
                mapping = auto_mapping(kind, headers)
                self.assertEqual([mapping.get(h) for h in headers], fields)

    def test_it_ignores_case_spacing_and_punctuation(self):
        mapping = auto_mapping("orders", [" ORDER-DATE ", "Dollar Value", "customer_id"])

        self.assertEqual(mapping, {" ORDER-DATE ": "date", "Dollar Value": "amount",
                                   "customer_id": "customer"})

    def test_it_maps_each_field_once(self):
        self.assertEqual(auto_mapping("orders", ["Сумма", "Сума", "total"]), {"Сумма": "amount"})

    def test_it_applies_overrides_over_the_automatic_mapping(self):
        headers = ["Клиент", "Сумма", "Оплачено"]

        mapping = resolve_mapping("orders", headers, {"оплачено": "amount", "Сумма": ""})

        self.assertEqual(mapping, {"Клиент": "customer", "Оплачено": "amount"})

    def test_it_refuses_unknown_fields_and_columns(self):
        with self.assertRaisesMessage(MappingError, "'total_paid' is not a field of orders"):
            resolve_mapping("orders", ["a"], {"a": "total_paid"})
        with self.assertRaisesMessage(MappingError, "the file has no column 'b'"):
            resolve_mapping("orders", ["a"], {"b": "amount"})


class OneCHeadersTestCase(TenureTestCase):
    """Header rows as 1C and BAS export them, in Russian and in Ukrainian."""

    def assertMapped(self, kind: str, mapped: dict[str, str | None]):
        mapping = auto_mapping(kind, list(mapped))
        self.assertEqual({h: mapping.get(h) for h in mapped}, mapped)

    def test_it_takes_the_document_number_as_the_order_number(self):
        self.assertMapped("orders", {
            "Дата": "date", "Номер": "order_id", "Контрагент": "customer", "Сумма": "amount",
            "Валюта": "currency", "Склад": "store", "Ответственный": None, "Комментарий": None,
        })
        self.assertMapped("orders", {
            "№ документа": "order_id", "Дата документа": "date", "Контрагент": "customer",
            "Сума документа": "amount", "Валюта": "currency",
        })
        self.assertMapped("orders", {"№": "order_id", "Дата": "date", "Клієнт": "customer",
                                     "Сума": "amount"})
        self.assertMapped("orders", {"Номер документа": "order_id", "Покупатель": "customer",
                                     "Дата": "date", "Сумма": "amount"})

    def test_it_tells_the_document_number_from_the_line_number_in_order_lines(self):
        self.assertMapped("order-lines", {
            "Номер": "order_id", "Дата": "date", "Контрагент": "customer",
            "№": "line_no", "Номенклатура": "product", "Количество": "quantity",
            "Цена": "price", "Сумма": None,
        })
        self.assertMapped("order-lines", {
            "№": "line_no", "Номер документа": "order_id", "Дата": "date",
            "Контрагент": "customer", "Артикул": "product", "Кількість": "quantity",
            "Ціна": "price", "Знижка": "discount",
        })
        self.assertMapped("order-lines", {
            "№ документа": "order_id", "№ п/п": "line_no", "Дата": "date",
            "Клиент": "customer", "Товар": "product", "Кол-во": "quantity", "Цена": "price",
        })

    def test_it_keeps_the_other_kinds_as_they_were(self):
        self.assertMapped("customers", {
            "Код": "external_id", "Наименование": "name", "ИНН": None, "Телефон": "phone",
            "Электронная почта": "email", "Основной менеджер": "manager", "№": None,
        })
        self.assertMapped("customers", {
            "Код": "external_id", "Найменування": "name", "Телефон": "phone",
            "E-mail": "email", "Місто": "city",
        })
        self.assertMapped("products", {
            "Код": "sku", "Наименование": "name", "Цена": "price", "№": None,
        })
        self.assertMapped("interactions", {
            "Номер": "external_id", "Дата": "occurred_at", "Контрагент": "customer",
            "Вид события": "kind", "Описание": "summary", "Ответственный": "manager",
        })
        self.assertMapped("complaints", {
            "№": "external_id", "Дата": "opened_at", "Контрагент": "customer",
            "Тема": "category", "Опис": "description", "Статус": "status",
        })

    def test_it_reads_the_number_sign_in_an_override(self):
        headers = ["№", "Клиент", "Дата", "Сумма"]
        self.assertEqual(resolve_mapping("orders", headers, {"Номер": ""}),
                         {"Клиент": "customer", "Дата": "date", "Сумма": "amount"})
