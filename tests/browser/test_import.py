"""An administrator imports customers through the upload page: preview, mapping, summary."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from .conftest import sign_in

# Five customers; the fourth has a birth date that does not exist. "Heard of us via" is no
# header Tenure knows, so the user maps it to the acquisition channel by hand.
CSV = """\
Customer ID,Full name,E-mail,Birthday,Heard of us via
K-1,Oksana Kovalenko,oksana@example.com,1988-04-12,Instagram
K-2,Taras Melnyk,taras@example.com,1975-11-30,Friend
K-3,Iryna Bondar,iryna@example.com,,Instagram
K-4,Petro Moroz,petro@example.com,1990-02-31,Google
K-5,Anna Lysenko,anna@example.com,2001-07-01,
"""


def test_it_previews_maps_and_imports_a_csv(page, admin_user, tmp_path):
    from tenure.crm.customers.models import Customer
    from tenure.crm.imports.models import ImportRun

    upload = tmp_path / "customers.csv"
    upload.write_text(CSV, encoding="utf-8")
    sign_in(page, admin_user.username)

    page.get_by_role("link", name="Import", exact=True).click()
    expect(page.get_by_role("heading", name="Import data")).to_be_visible()
    page.get_by_label("What the file holds").select_option("customers")
    page.get_by_label("File (CSV, XLSX or Parquet)").set_input_files(upload)
    page.get_by_role("button", name="Upload and preview").click()

    # The preview: the file's first rows and the mapping guessed from the headers.
    expect(page.get_by_role("heading", name="Import customers.csv")).to_be_visible()
    expect(page.get_by_text(re.compile(r"^\s*5 rows\."))).to_be_visible()
    preview = page.locator("table.preview")
    expect(preview.locator("tbody tr")).to_have_count(5)
    expect(preview.locator("tbody tr").nth(3)).to_contain_text("1990-02-31")
    selects = preview.locator("tr.mapping select")
    expect(selects).to_have_count(5)
    expect(selects.nth(0)).to_have_value("external_id")
    expect(selects.nth(1)).to_have_value("name")
    expect(selects.nth(2)).to_have_value("email")
    expect(selects.nth(3)).to_have_value("birth_date")
    expect(selects.nth(4)).to_have_value("")  # not recognised: ignored unless mapped
    assert Customer.objects.count() == 0  # nothing is saved before the user confirms

    selects.nth(4).select_option("acquisition_channel")
    page.get_by_role("button", name="Import", exact=True).click()

    # The summary: five rows read, four inserted, one rejected with its reason.
    expect(page).to_have_url(re.compile(r"/import/\d+/$"))
    for label, value in (("rows read", "5"), ("inserted", "4"), ("rejected", "1"),
                         ("updated", "0")):
        tile = page.locator(".tile").filter(
            has=page.locator(".label", has_text=re.compile(rf"^{label}$")))
        expect(tile.locator(".value")).to_have_text(value)
    rejects = page.locator("table.rejects tbody tr")
    expect(rejects).to_have_count(1)
    expect(rejects.first).to_contain_text("1990-02-31")
    expect(rejects.first).to_contain_text("not a date")

    # And the database holds exactly the four good rows, with the mapped column.
    run = ImportRun.objects.get()
    assert (run.rows, run.inserted, run.rejected) == (5, 4, 1)
    assert run.user == admin_user
    customers = {c.external_id: c for c in Customer.objects.all()}
    assert sorted(customers) == ["K-1", "K-2", "K-3", "K-5"]
    assert customers["K-1"].name == "Oksana Kovalenko"
    assert customers["K-1"].email == "oksana@example.com"
    assert str(customers["K-1"].birth_date) == "1988-04-12"
    assert customers["K-1"].acquisition_channel == "Instagram"
    assert customers["K-2"].acquisition_channel == "Friend"
    assert customers["K-5"].acquisition_channel == ""
