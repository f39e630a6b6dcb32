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
