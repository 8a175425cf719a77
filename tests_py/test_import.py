"""`segmart import`: a plain transaction log, line-level exports and the presets map onto the raw
layout; a refused import writes nothing (the bad files themselves are in the corpus,
test_bad_input.py). Oracles are computed from the CSVs with pandas (tests_py/exports.py makes them)."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal

import pandas as pd
import pyarrow.parquet as pq
import pytest
from exports import online_retail_export, orders_only_log, shopify_export

from segmart.layout import RAW_COLUMNS
from segmart.privacy import pseudonymous_id

GOOD = (
    "cust,day,amt,oid\nA,2024-01-05,10.5,1\nB,2024-02-01,20,2\nA,2024-03-01,abc,3\n,2024-03-02,5,4\nC,2024-02-30,7,5\n"
)


def run_import(tmp_path, content: str | bytes, name="orders.csv", extra=()):
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    out = tmp_path / "raw"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "segmart.cli",
            "import",
            "--orders",
            str(path),
            "--customer-col",
            "cust",
            "--date-col",
            "day",
            "--amount-col",
            "amt",
            "--out",
            str(out),
            *extra,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    return result, out


def test_transaction_log_maps_onto_the_raw_layout(tmp_path):
    result, out = run_import(tmp_path, GOOD, extra=["--order-id-col", "oid"])
    assert result.returncode == 0, result.stderr
    for table, columns in RAW_COLUMNS.items():
        assert pq.read_schema(out / f"{table}.parquet").names == columns
    orders = pq.read_table(out / "orders.parquet").to_pydict()
    assert orders["order_id"] == ["1", "2", "3", "4", "5"]
    # valid dates are normalised; row-level problems pass through untouched for staging
    assert orders["ordered_at"] == [
        "2024-01-05 00:00:00",
        "2024-02-01 00:00:00",
        "2024-03-01 00:00:00",
        "2024-03-02 00:00:00",
        "2024-02-30",
    ]
    assert orders["gross_amount"][2] == "abc"
    assert orders["customer_id"][3] is None
    customers = pq.read_table(out / "customers.parquet").to_pydict()
    assert customers["customer_id"] == ["A", "B", "C"]
    assert set(customers["city"]) == {None}
    assert pq.read_metadata(out / "order_items.parquet").num_rows == 0


def test_date_format_and_generated_order_ids(tmp_path):
    result, out = run_import(
        tmp_path, "cust,day,amt\nA,05/01/2024,1\nB,31/12/2023,2\n", extra=["--date-format", "%d/%m/%Y"]
    )
    assert result.returncode == 0, result.stderr
    orders = pq.read_table(out / "orders.parquet").to_pydict()
    assert orders["ordered_at"] == ["2024-01-05 00:00:00", "2023-12-31 00:00:00"]
    assert orders["order_id"] == ["row-1", "row-2"]


def test_the_next_days_export_under_another_name_is_an_append(tmp_path):
    """A log without order ids gets ids by row position, not by file name: tomorrow's export
    (the same rows plus new ones, as orders_2024-01-06.csv) keeps every id, so segmart build sees
    an append and stays incremental instead of starting a new dataset."""
    from segmart.build import is_append_of, raw_fingerprint

    day1 = "cust,day,amt\n" + "".join(f"C{i % 7},2024-01-0{1 + i % 5},{i + 1}\n" for i in range(30))
    day2 = day1 + "C1,2024-01-06,99\nC2,2024-01-06,5\n"
    first, out1 = run_import(tmp_path / "a", day1, name="orders_2024-01-05.csv")
    second, out2 = run_import(tmp_path / "b", day2, name="orders_2024-01-06.csv")
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    ids1 = pq.read_table(out1 / "orders.parquet").to_pydict()["order_id"]
    ids2 = pq.read_table(out2 / "orders.parquet").to_pydict()["order_id"]
    assert ids2[:30] == ids1 and len(set(ids2)) == 32
    assert is_append_of(out2, raw_fingerprint(out1))


def test_landing_adds_each_export_as_new_files_and_never_replaces_one(tmp_path):
    """--landing: each day's export (only that day's rows) becomes <table>/<day>.parquet beside
    the earlier ones; generated order ids start with the file's name (unique across days); the
    customers file holds only customers not landed before (pandas); landing the same name again,
    or a name sorting before the landed files, is refused in one line naming the file, which is
    left as it was; a whole-folder import no longer replaces a landing zone."""
    from segmart.build import is_append_of, raw_fingerprint
    from segmart.rawcheck import check_raw

    day1 = "cust,day,amt\nA,2024-01-05,10\nB,2024-01-05,20\n"
    day2 = "cust,day,amt\nB,2024-01-06,5\nC,2024-01-06,7\nC,2024-01-06,8\n"
    first, out = run_import(tmp_path, day1, name="day1.csv", extra=["--landing", "2024-01-05"])
    assert first.returncode == 0, first.stderr
    built = raw_fingerprint(out)
    second, _ = run_import(tmp_path, day2, name="day2.csv", extra=["--landing", "2024-01-06"])
    assert second.returncode == 0, second.stderr
    for table in RAW_COLUMNS:
        assert not (out / f"{table}.parquet").exists()
    orders = {day: pq.read_table(out / "orders" / f"{day}.parquet").to_pandas() for day in ("2024-01-05", "2024-01-06")}
    expected = {
        day: pd.read_csv(tmp_path / name) for day, name in (("2024-01-05", "day1.csv"), ("2024-01-06", "day2.csv"))
    }
    for day, frame in orders.items():
        assert frame["customer_id"].tolist() == expected[day]["cust"].tolist()
        assert frame["order_id"].tolist() == [f"{day}-row-{i + 1}" for i in range(len(frame))]
    new_customers = sorted(set(expected["2024-01-06"]["cust"]) - set(expected["2024-01-05"]["cust"]))
    assert pq.read_table(out / "customers" / "2024-01-06.parquet").to_pydict()["customer_id"] == new_customers
    assert check_raw(out)["orders"] == 5
    assert is_append_of(out, built)

    landed = (out / "orders" / "2024-01-06.parquet").read_bytes()
    again, _ = run_import(tmp_path, day2, name="day2.csv", extra=["--landing", "2024-01-06"])
    line = one_line(again)
    assert str(out) in line and "/2024-01-06.parquet: landed already; a landed file is never replaced" in line
    assert (out / "orders" / "2024-01-06.parquet").read_bytes() == landed
    early, _ = run_import(tmp_path, day2, name="day2.csv", extra=["--landing", "2024-01-01"])
    line = one_line(early)
    assert str(out) in line and "/2024-01-01.parquet: would sort before" in line
    assert not (out / "orders" / "2024-01-01.parquet").exists()
    whole, _ = run_import(tmp_path, day2, name="day2.csv")
    assert "holds landed files" in one_line(whole)
    assert sorted(p.name for p in (out / "orders").iterdir()) == ["2024-01-05.parquet", "2024-01-06.parquet"]


def test_landing_into_a_folder_with_one_file_per_table_is_refused(tmp_path):
    result, out = run_import(tmp_path, GOOD)
    assert result.returncode == 0, result.stderr
    before = (out / "orders.parquet").read_bytes()
    landed, _ = run_import(tmp_path, GOOD, extra=["--landing", "2024-03-03"])
    line = one_line(landed)
    assert str(out / "orders.parquet") in line and "one file here" in line
    assert (out / "orders.parquet").read_bytes() == before and not (out / "orders").exists()


def test_landing_your_export_into_generated_demo_data_is_refused(tmp_path):
    """Demo data and yours never mix in one landing zone (the demo's public key would hash your
    customers' personal data): refused in one line naming the manifest, nothing landed."""
    from segmart.generate import generate

    generate(50, seed=1, out_dir=tmp_path / "raw", progress=False, landing="2025-12-31")
    result, out = run_import(tmp_path, GOOD, extra=["--landing", "2026-01-01"])
    line = one_line(result)
    assert str(out / "_manifest.json") in line and "segmart generate" in line
    assert sorted(p.name for p in (out / "orders").iterdir()) == ["2025-12-31.parquet"]


def test_customers_file_is_mapped_by_column_name(tmp_path):
    (tmp_path / "people.csv").write_text("cust,city,gender,shoe_size\nA,上海,F,38\nB,Beijing,M,42\n")
    result, out = run_import(tmp_path, GOOD, extra=["--customers", str(tmp_path / "people.csv")])
    assert result.returncode == 0, result.stderr
    customers = pq.read_table(out / "customers.parquet").to_pydict()
    assert customers["customer_id"] == ["A", "B"]
    assert customers["city"] == ["上海", "Beijing"]
    assert "shoe_size" not in customers


def test_existing_raw_folder_survives_a_refused_import(tmp_path):
    result, out = run_import(tmp_path, GOOD)
    assert result.returncode == 0
    before = (out / "orders.parquet").read_bytes()
    result, _ = run_import(tmp_path, b"", name="broken.csv")
    assert result.returncode == 2
    assert (out / "orders.parquet").read_bytes() == before


def segmart_import(*args):
    return subprocess.run(
        [sys.executable, "-m", "segmart.cli", "import", *map(str, args)], capture_output=True, text=True, check=False
    )


def one_line(result) -> str:
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def read(out, table) -> pd.DataFrame:
    return pq.read_table(out / f"{table}.parquet").to_pandas()


def dec(values) -> Decimal:
    return sum((Decimal(v) for v in values), Decimal(0))


# ------------------------------------------------------------------ presets against pandas oracles


@pytest.fixture(scope="module")
def exports_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("exports")


def test_online_retail_preset(exports_dir, tmp_path):
    path = online_retail_export(exports_dir)
    out = tmp_path / "raw"
    result = segmart_import("--orders", path, "--preset", "online-retail", "--out", out)
    assert result.returncode == 0, result.stderr
    csv = pd.read_csv(path, dtype=str)
    csv["amount"] = [Decimal(q) * Decimal(p) for q, p in zip(csv.Quantity, csv.UnitPrice)]
    orders, items = read(out, "orders"), read(out, "order_items")
    assert len(orders) == csv.InvoiceNo.nunique()
    assert len(items) == len(csv)
    # line numbers 1..n in file order within each invoice
    assert items.line_number.tolist() == (csv.groupby("InvoiceNo", sort=False).cumcount() + 1).astype(str).tolist()
    assert items.product_id.tolist() == csv.StockCode.tolist()
    assert items.category.isna().all()
    # signed totals per invoice, exact
    expected = csv.groupby("InvoiceNo", sort=False)["amount"].sum()
    got = dict(zip(orders.order_id, orders.gross_amount))
    assert all(Decimal(got[i]) == v for i, v in expected.items())
    assert dec(orders.gross_amount) == sum(csv.amount, Decimal(0))
    # cancellations: negative returns, not dropped
    cancelled = csv[csv.InvoiceNo.str.startswith("C")].InvoiceNo.unique()
    assert len(cancelled) > 5
    returned = orders[orders.status == "returned"]
    assert set(returned.order_id) == set(cancelled)
    assert (returned.gross_amount.map(Decimal) < 0).all()
    assert orders[orders.status != "returned"].status.isna().all()
    # ids: 17850.0 -> 17850; guests stay without a customer id
    known = csv.dropna(subset=["CustomerID"])
    customers = read(out, "customers")
    assert sorted(customers.customer_id) == sorted({str(int(float(c))) for c in known.CustomerID})
    assert not any("." in c for c in customers.customer_id)
    guests = csv[csv.CustomerID.isna()].InvoiceNo.unique()
    assert orders[orders.customer_id.isna()].order_id.tolist() == list(guests)
    assert set(orders.currency) == {"GBP"}
    first = orders.iloc[0]
    month, day, rest = csv.InvoiceDate.iloc[0].split("/", 2)
    year, clock = rest.split(" ")
    assert (
        first.ordered_at
        == f"{year}-{int(month):02d}-{int(day):02d} {int(clock.split(':')[0]):02d}:{clock.split(':')[1]}:00"
    )
    manifest = json.loads((out / "_manifest.json").read_text())
    assert manifest["written_by"] == "segmart import"
    assert manifest["settings"] == {"reporting_currency": "GBP", "business_timezone": "Europe/London"}
    assert f"{len(guests):,} orders" in result.stdout and "guest rows (no customer id)" in result.stdout


def test_shopify_preset(exports_dir, tmp_path):
    path = shopify_export(exports_dir)
    out = tmp_path / "raw"
    result = segmart_import("--orders", path, "--preset", "shopify", "--timezone", "America/New_York", "--out", out)
    assert result.returncode == 0, result.stderr
    csv = pd.read_csv(path, dtype=str)
    firsts = csv.dropna(subset=["Email"]).set_index("Name")
    csv["amount"] = [Decimal(q) * Decimal(p) for q, p in zip(csv["Lineitem quantity"], csv["Lineitem price"])]
    orders = read(out, "orders").set_index("order_id")
    assert len(orders) == csv.Name.nunique() == len(firsts)
    assert len(read(out, "order_items")) == len(csv)
    gross = csv.groupby("Name")["amount"].sum()
    assert all(Decimal(orders.gross_amount[n]) == g for n, g in gross.items())
    assert all(Decimal(orders.discount_amount[n]) == Decimal(firsts["Discount Amount"][n]) for n in firsts.index)
    assert all(Decimal(orders.refund_amount[n]) == Decimal(firsts["Refunded Amount"][n]) for n in firsts.index)
    assert (firsts["Refunded Amount"].map(Decimal) > 0).sum() > 5
    assert orders.status.isna().all()  # linked refunds stay on their order
    assert (orders.gross_amount.map(Decimal) > 0).all()
    assert all(orders.customer_id[n] == pseudonymous_id(firsts.Email[n]) for n in firsts.index)
    text, stamp = firsts["Created at"].iloc[0], orders.ordered_at[firsts.index[0]]
    assert stamp == f"{text[:10]}T{text[11:19]}{text[20:23]}:{text[23:25]}"
    assert set(orders.ordered_at.str[-6:]) == {"-05:00", "-04:00"}
    customers = read(out, "customers")
    assert len(customers) == firsts.Email.nunique()
    assert set(customers.email) == set(firsts.Email)
    assert set(orders.currency) == {"USD"}


def test_orders_only_negative_amounts_are_returns(exports_dir, tmp_path):
    path = orders_only_log(exports_dir)
    out = tmp_path / "raw"
    result = segmart_import(
        "--orders",
        path,
        "--customer-col",
        "customer",
        "--date-col",
        "date",
        "--amount-col",
        "amount",
        "--currency",
        "eur",
        "--out",
        out,
    )
    assert result.returncode == 0, result.stderr
    csv = pd.read_csv(path, dtype=str)
    orders = read(out, "orders")
    assert len(orders) == len(csv)
    assert dec(orders.gross_amount) == dec(csv.amount)
    negative = csv.amount.str.startswith("-")
    assert negative.sum() > 5
    assert (orders.status == "returned").tolist() == negative.tolist()
    assert set(orders.currency) == {"EUR"}
    manifest = json.loads((out / "_manifest.json").read_text())
    assert manifest["settings"]["reporting_currency"] == "EUR"


def test_line_amount_col_and_decimal_comma(tmp_path):
    path = tmp_path / "lines.csv"
    path.write_text("bon;kunde;tag;betrag\n1;K1;2024-01-05;1.234,56\n1;K1;2024-01-05;10,5\n2;K2;2024-01-06;-3,25\n")
    out = tmp_path / "raw"
    result = segmart_import(
        "--orders",
        path,
        "--delimiter",
        ";",
        "--order-id-col",
        "bon",
        "--customer-col",
        "kunde",
        "--date-col",
        "tag",
        "--line-amount-col",
        "betrag",
        "--decimal-separator",
        ",",
        "--out",
        out,
    )
    assert result.returncode == 0, result.stderr
    orders = read(out, "orders")
    assert orders.gross_amount.tolist() == ["1245.06", "-3.25"]
    assert (orders.status == "returned").tolist() == [False, True]
    items = read(out, "order_items")
    assert items.quantity.tolist() == ["1", "1", "-1"]
    assert items.unit_price.tolist() == ["1234.56", "10.5", "3.25"]


def test_decimal_comma_without_the_option_is_refused_with_the_fix(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text("cust;day;amt\n" + "".join(f"A{i};2024-01-0{i % 9 + 1};{i},5\n" for i in range(10)))
    line = one_line(
        segmart_import(
            "--orders",
            path,
            "--delimiter",
            ";",
            "--customer-col",
            "cust",
            "--date-col",
            "day",
            "--amount-col",
            "amt",
            "--out",
            tmp_path / "raw",
        )
    )
    assert str(path) in line and "'amt'" in line and "pass --decimal-separator ," in line
    assert not (tmp_path / "raw").exists()


# ------------------------------------------------------------------ failures


def test_day_first_data_declared_month_first_is_refused_with_the_swap(exports_dir, tmp_path):
    path = online_retail_export(exports_dir, day_first=True)
    line = one_line(segmart_import("--orders", path, "--preset", "online-retail", "--out", tmp_path / "raw"))
    assert str(path) in line and "'InvoiceDate'" in line
    assert "looks day-first: pass --date-format %d/%m/%Y %H:%M" in line
    assert not (tmp_path / "raw").exists()
    ok = segmart_import(
        "--orders", path, "--preset", "online-retail", "--date-format", "%d/%m/%Y %H:%M", "--out", tmp_path / "raw"
    )
    assert ok.returncode == 0, ok.stderr


def test_ambiguous_dates_flagged_even_below_the_threshold(tmp_path):
    # 1 of 10 values is day-first only (13/1): the other nine would be silently read month-first
    path = tmp_path / "orders.csv"
    rows = [f"A{i},{i % 9 + 1}/{i % 12 + 1}/2024,1\n" for i in range(9)] + ["B,13/1/2024,1\n"]
    path.write_text("cust,day,amt\n" + "".join(rows))
    line = one_line(
        segmart_import(
            "--orders",
            path,
            "--customer-col",
            "cust",
            "--date-col",
            "day",
            "--amount-col",
            "amt",
            "--date-format",
            "%m/%d/%Y",
            "--out",
            tmp_path / "raw",
        )
    )
    assert "looks day-first: pass --date-format %d/%m/%Y" in line and "'13/1/2024'" in line


def test_lines_imported_as_orders_is_refused_with_the_line_level_hint(exports_dir, tmp_path):
    path = online_retail_export(exports_dir)
    csv = pd.read_csv(path, dtype=str)
    line = one_line(
        segmart_import(
            "--orders",
            path,
            "--customer-col",
            "CustomerID",
            "--date-col",
            "InvoiceDate",
            "--date-format",
            "%m/%d/%Y %H:%M",
            "--amount-col",
            "UnitPrice",
            "--order-id-col",
            "InvoiceNo",
            "--out",
            tmp_path / "raw",
        )
    )
    assert f"{len(csv):,} rows but {csv.InvoiceNo.nunique():,} distinct order ids" in line
    assert (
        "pass --quantity-col/--unit-price-col (or --line-amount-col) for line-level data" in line
        and "'InvoiceNo'" in line
    )


def test_repeated_header_is_dropped(exports_dir, tmp_path):
    path = online_retail_export(exports_dir, repeat_header=True)
    assert path.read_text().count("InvoiceNo,StockCode") == 2
    out = tmp_path / "raw"
    result = segmart_import("--orders", path, "--preset", "online-retail", "--out", out)
    assert result.returncode == 0, result.stderr
    csv = pd.read_csv(path, dtype=str)
    csv = csv[csv.InvoiceNo != "InvoiceNo"]
    assert "CustomerID" not in set(read(out, "customers").customer_id)
    assert "InvoiceNo" not in set(read(out, "orders").order_id)
    assert len(read(out, "order_items")) == len(csv)
    assert "repeated header lines dropped: 1" in result.stdout


def test_integral_float_ids_become_integers(tmp_path):
    result, out = run_import(
        tmp_path,
        "cust,day,amt,oid\n17850.0,2024-01-05,1,7.0\n13047.0,2024-01-06,2,8.0\n",
        extra=["--order-id-col", "oid"],
    )
    assert result.returncode == 0, result.stderr
    orders = read(out, "orders")
    assert orders.customer_id.tolist() == ["17850", "13047"]
    assert orders.order_id.tolist() == ["7", "8"]
    assert read(out, "customers").customer_id.tolist() == ["13047", "17850"]


@pytest.mark.parametrize(
    "option,value,message",
    [
        ("--currency", "XYZ", "segmart import: currency XYZ has no rate in seeds/currency_codes.csv"),
        ("--timezone", "Mars/Olympus", "segmart import: unknown time zone 'Mars/Olympus'"),
    ],
)
def test_unknown_currency_or_timezone_is_refused(tmp_path, option, value, message):
    result, out = run_import(tmp_path, GOOD, extra=[option, value])
    assert one_line(result).startswith(message)
    assert not out.exists()


# ------------------------------------------------------------------ the output folder


def test_out_folder_with_a_users_file_is_refused_and_kept(tmp_path):
    out = tmp_path / "raw"
    out.mkdir()
    (out / "thesis.docx").write_text("years of work")
    result, _ = run_import(tmp_path, GOOD)
    line = one_line(result)
    assert str(out) in line and "not a raw folder written by segmart" in line
    assert (out / "thesis.docx").read_text() == "years of work"
    assert sorted(p.name for p in out.iterdir()) == ["thesis.docx"]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_generate_refuses_a_users_folder_too(tmp_path):
    out = tmp_path / "raw"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    result = subprocess.run(
        [sys.executable, "-m", "segmart.cli", "generate", "--customers", "50", "--out", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert str(out) in one_line(result)
    assert (out / "notes.txt").read_text() == "mine"


def test_older_segmart_raw_folder_is_swapped(tmp_path):
    out = tmp_path / "raw"
    out.mkdir()
    # the generator's older manifest: a `generator` key, no written_by
    (out / "_manifest.json").write_text(json.dumps({"generator": {"customers": 10}, "rows": {}}))
    (out / "orders.parquet").write_bytes(b"old")
    result, _ = run_import(tmp_path, GOOD)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == sorted([f"{t}.parquet" for t in RAW_COLUMNS] + ["_manifest.json"])
    assert json.loads((out / "_manifest.json").read_text())["written_by"] == "segmart import"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_segmart_raw_folder_holding_a_users_files_is_refused_and_kept(tmp_path):
    """A raw folder segmart wrote, into which the user put notes and the export itself: replacing
    the folder would delete them (the import read its input from inside --out)."""
    first, out = run_import(tmp_path, GOOD)
    assert first.returncode == 0, first.stderr
    (out / "my_notes.txt").write_text("mine")
    (out / "input.csv").write_text(GOOD)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "segmart.cli",
            "import",
            "--orders",
            str(out / "input.csv"),
            "--customer-col",
            "cust",
            "--date-col",
            "day",
            "--amount-col",
            "amt",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    line = one_line(result)
    assert str(out) in line and "input.csv" in line and "my_notes.txt" in line
    assert (out / "my_notes.txt").read_text() == "mine" and (out / "input.csv").read_text() == GOOD


def test_offsets_without_the_shops_time_zone_are_refused(exports_dir, tmp_path):
    """Shopify's times carry UTC offsets; the business day needs the shop's zone, which the
    offsets do not name (before: business days silently in Asia/Shanghai)."""
    result = segmart_import("--orders", shopify_export(exports_dir), "--preset", "shopify", "--out", tmp_path / "raw")
    line = one_line(result)
    assert "--timezone" in line and not (tmp_path / "raw").exists()
