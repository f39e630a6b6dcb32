from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import ibis
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tenure.analytics import frames
from tenure.analytics.exceptions import InputError

CDNOW = Path("/work/shared/data/cdnow")


@pytest.fixture
def con():
    return ibis.duckdb.connect()


def rows(table) -> list[tuple]:
    df = table.order_by(list(table.columns)).execute()
    df = df.astype(object).where(df.notna(), None)
    return [tuple(r) for r in df.itertuples(index=False)]


def test_it_reads_a_windows_1251_csv_with_semicolons_and_decimal_commas(tmp_path, con):
    path = tmp_path / "продажи.csv"
    text = ("Клиент;Дата;Сумма;Номер заказа;Канал\n"
            "Иванов;01.02.2024;1 234,50;A-1;Сайт\n"
            "Петренко;2024-02-03;-10,25;A-2;Магазин\n"
            "Иванов;20240305;7;A-3;Сайт\n")
    path.write_bytes(text.encode("cp1251"))

    tx = frames.transactions(path, con=con)

    assert tx.columns == ("customer_id", "time", "amount", "order_id", "channel")
    assert rows(tx) == [
        ("Иванов", pd.Timestamp("2024-02-01"), 1234.5, "A-1", "Сайт"),
        ("Иванов", pd.Timestamp("2024-03-05"), 7.0, "A-3", "Сайт"),
        ("Петренко", pd.Timestamp("2024-02-03"), -10.25, "A-2", "Магазин"),
    ]


@pytest.mark.parametrize(("text", "expected"), [
    ("1.234,56", 1234.56), ("1,234.56", 1234.56), ("1\u00a0234,5", 1234.5), ("-0,5", -0.5),
    ("12", 12.0),
])
def test_it_reads_amounts_with_either_decimal_separator(tmp_path, con, text, expected):
    path = tmp_path / "a.csv"
    path.write_text(f'customer;date;amount\nc1;2024-01-01;"{text}"\n', encoding="utf-8")

    assert frames.transactions(path, con=con).amount.execute().tolist() == [expected]


def test_it_reads_tab_separated_files_and_a_utf8_bom(tmp_path, con):
    path = tmp_path / "a.tsv"
    path.write_bytes("\ufeffClient ID\tOrder date\tTotal\n7\t2024-01-02 10:30\t5.5\n".encode())

    assert rows(frames.transactions(path, con=con)) == [
        ("7", pd.Timestamp("2024-01-02 10:30"), 5.5)]


def test_it_reads_the_cdnow_master_file_by_automatic_mapping(con):
    # Whitespace-separated, header "customer_id date number_of_cds dollar_value".
    expected_count, expected_sum, customers = 0, Decimal(0), set()
    with (CDNOW / "CDNOW_master.txt").open() as handle:
        next(handle)
        for line in handle:
            cid, _date, _cds, dollars = line.split()
            expected_count += 1
            expected_sum += Decimal(dollars)
            customers.add(cid)

    tx = frames.transactions(CDNOW / "CDNOW_master.txt", con=con)

    assert tx.columns == ("customer_id", "time", "amount")
    stats = tx.aggregate(n=tx.count(), total=tx.amount.sum(), ids=tx.customer_id.nunique(),
                         first=tx.time.min(), last=tx.time.max()).execute().iloc[0]
    assert (stats.n, stats.ids) == (expected_count, len(customers)) == (69_659, 23_570)
    assert round(stats.total, 2) == float(expected_sum)
    assert (stats["first"], stats["last"]) == (pd.Timestamp("1997-01-01"),
                                              pd.Timestamp("1998-06-30"))
    # Ids keep their leading zeros: they are names, not numbers.
    assert tx.filter(tx.customer_id == "00001").count().execute() == 1


def test_it_reads_a_headerless_file_with_the_columns_named_in_order(con):
    tx = frames.transactions(CDNOW / "CDNOW_sample.txt", con=con,
                             columns=[None, "customer_id", "time", None, "amount"])

    assert tx.columns == ("customer_id", "time", "amount")
    assert tx.count().execute() == 6_919
    first = tx.filter(tx.customer_id == "0001").order_by("time").execute()
    assert first.amount.tolist()[:2] == [29.33, 29.73]


def test_it_refuses_a_headerless_file_without_names(tmp_path, con):
    path = tmp_path / "a.txt"
    path.write_text("00001 19970101 1 11.77\n")

    with pytest.raises(InputError, match=r"a\.txt: the first line holds values"):
        frames.transactions(path, con=con)


def test_it_reads_parquet_lazily_with_its_own_types(tmp_path, con):
    path = tmp_path / "tx.parquet"
    pq.write_table(pa.table({
        "Покупатель": pa.array([1, 2, 2], pa.int64()),
        "Дата": pa.array([dt.date(2024, 1, 1), dt.date(2024, 1, 2), dt.date(2024, 2, 1)]),
        "Сумма": pa.array([10.0, 20.0, -5.0]),
        "Store": ["a", "b", None],
    }), path)

    tx = frames.transactions(path, con=con)

    sql = str(ibis.to_sql(tx))
    assert "read_parquet" in sql or "tenure_parquet" in sql  # a view over the file
    assert rows(tx) == [("1", pd.Timestamp("2024-01-01"), 10.0, "a"),
                        ("2", pd.Timestamp("2024-01-02"), 20.0, "b"),
                        ("2", pd.Timestamp("2024-02-01"), -5.0, None)]


def test_it_reads_yyyymmdd_integers_from_parquet(tmp_path, con):
    path = tmp_path / "tx.parquet"
    pq.write_table(pa.table({"customer_id": ["a"], "date": [19970325], "amount": [1.5]}), path)

    assert frames.transactions(path, con=con).time.execute().tolist() == [
        pd.Timestamp("1997-03-25")]


def test_it_reads_xlsx(tmp_path, con):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Клієнт", "Дата", "Сума", "Менеджер"])
    sheet.append([101, dt.datetime(2024, 5, 6, 12, 0), 99.9, "Олена"])
    sheet.append(["x-2", "07.05.2024", "1 000,10", None])
    path = tmp_path / "sales.xlsx"
    book.save(path)

    assert rows(frames.transactions(path, con=con)) == [
        ("101", pd.Timestamp("2024-05-06 12:00"), 99.9, "Олена"),
        ("x-2", pd.Timestamp("2024-05-07"), 1000.1, None),
    ]


def test_it_takes_pandas_arrow_and_ibis_tables(con):
    df = pd.DataFrame({"client": [1, 2], "time": pd.to_datetime(["2024-01-01", "2024-01-02"]),
                       "paid": ["5,5", "6"]})
    expected = [("1", pd.Timestamp("2024-01-01"), 5.5), ("2", pd.Timestamp("2024-01-02"), 6.0)]

    for source in (df, pa.Table.from_pandas(df), ibis.memtable(df)):
        assert rows(frames.transactions(source, con=con)) == expected


def test_it_applies_an_explicit_mapping_over_the_automatic_one(con):
    df = pd.DataFrame({"Клиент": ["a"], "Дата": ["2024-01-01"], "Сумма": ["1"],
                       "Оплачено": ["2"]})

    tx = frames.transactions(df, con=con, columns={"оплачено": "amount"})

    assert tx.amount.execute().tolist() == [2.0]


def test_a_missing_column_names_the_file_the_columns_found_and_the_names_expected(
        tmp_path, con):
    path = tmp_path / "orders.csv"
    path.write_text("who,when,amount\na,2024-01-01,1\n")

    with pytest.raises(InputError) as error:
        frames.transactions(path, con=con)

    message = str(error.value)
    assert message.startswith("orders.csv: no column for customer_id, time.")
    assert "The columns found are: who, when, amount." in message
    assert "customer_id, time, amount" in message


def test_unreadable_values_are_counted_with_an_example_not_dropped(tmp_path, con):
    path = tmp_path / "orders.csv"
    path.write_text("customer,date,amount\n"
                    "a,2024-01-01,1\nb,31.02.2024,2\nc,2024-13-01,3\nd,2024-01-05,ten\n"
                    ",2024-01-05,4\n")

    with pytest.raises(InputError) as error:
        frames.transactions(path, con=con)

    message = str(error.value)
    assert message.startswith("orders.csv: ")
    assert "2 of 5 values of time cannot be read, e.g. '2024-13-01'" in message
    assert "1 of 5 values of amount cannot be read, e.g. 'ten'" in message
    assert "1 of 5 rows have no customer_id" in message


def test_an_unknown_mapping_target_is_refused(con):
    df = pd.DataFrame({"customer_id": ["a"], "time": ["2024-01-01"], "amount": [1]})

    with pytest.raises(InputError, match="'total' is not a column of transactions"):
        frames.transactions(df, con=con, columns={"amount": "total"})


def test_customers_keep_their_attributes_and_feedback_gets_canonical_kinds(con):
    people = pd.DataFrame({"Код клиента": ["1", "2"], "Город": ["Киев", "Львов"],
                           "Кто привел": [None, "1"], "Дата регистрации": ["01.01.2023", ""],
                           "VIP": ["yes", "no"]})
    answers = pd.DataFrame({"client": ["1"], "date": ["2024-01-01"], "type": [" NPS "],
                            "оценка": ["9"]})

    customers = frames.customers(people, con=con).to_pyarrow().to_pandas(types_mapper=None)
    fb = frames.feedback(answers, con=con).execute()

    assert list(customers.columns) == ["customer_id", "city", "acquired_on", "referred_by",
                                       "VIP"]
    assert customers.acquired_on.tolist() == [dt.date(2023, 1, 1), None]
    assert list(fb.columns) == ["customer_id", "time", "kind", "score"]
    assert (fb.kind[0], fb.score[0]) == ("nps", 9)


@pytest.mark.parametrize(("period", "expected"), [
    ("week", dt.date(2024, 5, 13)),  # Monday
    ("month", dt.date(2024, 5, 1)),
    ("quarter", dt.date(2024, 4, 1)),
    ("year", dt.date(2024, 1, 1)),
])
def test_period_start(con, period, expected):
    t = ibis.memtable({"time": [dt.datetime(2024, 5, 16, 15, 0)]})

    assert con.to_pyarrow(frames.period_start(t.time, period)).to_pylist() == [expected]


def test_period_start_refuses_an_unknown_period():
    t = ibis.memtable({"time": [dt.datetime(2024, 5, 16)]})

    with pytest.raises(InputError, match="period must be one of week, month, quarter, year"):
        frames.period_start(t.time, "day")


def test_a_row_with_more_values_than_the_header_is_an_error_naming_its_line(tmp_path, con):
    path = tmp_path / "orders.csv"
    path.write_text("customer,date,amount\na,2024-01-01,1\nb,2024-01-02,2,9\n")

    with pytest.raises(InputError, match=r"orders\.csv: cannot read the file as text separated "
                                         r"by commas: .*Line: 3.*b,2024-01-02,2,9"):
        frames.transactions(path, con=con)


def test_a_windows_1251_file_is_recognised_by_a_late_cyrillic_word(tmp_path, con):
    path = tmp_path / "late.csv"
    path.write_bytes(("customer,date,amount\n" + "a,2024-01-01,1\n" * 20_000
                      + "Оля,2024-01-01,1\n").encode("cp1251"))

    tx = frames.transactions(path, con=con)

    assert tx.filter(tx.customer_id == "Оля").count().execute() == 1


def test_nanosecond_times_of_a_data_frame_are_cut_to_microseconds():
    # Arrow refused them ("would lose data"); the engine keeps microseconds.
    frame = pd.DataFrame({
        "customer_id": ["a", "b"], "amount": [1.0, 2.0],
        "time": pd.to_datetime(["2024-01-01 10:00:00.123456789", "2024-01-02 00:00:00.000000001"])})
    times = frames.transactions(frame).to_pandas()["time"].tolist()
    assert times == [pd.Timestamp("2024-01-01 10:00:00.123456"), pd.Timestamp("2024-01-02")]


@pytest.mark.parametrize("amount", ["1e20", "inf", "-2e12"])
def test_it_refuses_amounts_that_are_not_finite_or_astronomical(tmp_path, con, amount):
    path = tmp_path / "tx.csv"
    path.write_text(f"customer_id,date,amount\na,2024-01-01,10\nb,2024-01-02,{amount}\n")
    with pytest.raises(InputError, match=r"1 of 2 values of amount are not finite or not "
                                         r"below 1e\+12 in size"):
        frames.transactions(path, con=con)


def test_money_sum_is_exact_to_a_millionth(con):
    table = ibis.memtable({"amount": [0.1, 0.2, 0.3, 1234.5678901]})
    assert con.execute(table.aggregate(total=frames.money_sum(table.amount))).total[0] \
        == 1235.167890
