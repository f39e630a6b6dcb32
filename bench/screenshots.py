"""Take the README's screenshots from a small demo shop.

``python bench/screenshots.py`` builds a demo database in a temporary directory, starts
``tenure runserver`` on it, signs in as ``demo`` and saves 1280x800 PNGs of the customer
list and of one customer's page into ``docs/screenshots/`` with Debian's Chromium.
"""

from __future__ import annotations

import argparse
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
OUT = ROOT / "docs" / "screenshots"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(port: int, server: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server stopped with status {server.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"the server did not listen on port {port} within {seconds} s")


def tenure(*args: str, env: dict) -> None:
    subprocess.run([str(BIN / "tenure"), *args], env=env, check=True)


def shoot(base_url: str, out: Path) -> list[Path]:
    """Sign in and save the list and the busiest customer's page."""
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium",
                                             headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(base_url=base_url, locale="en-US",
                                      viewport={"width": 1280, "height": 800})
        page = context.new_page()
        page.goto("/accounts/login/")
        page.get_by_label("User name").fill("demo")
        page.get_by_label("Password").fill("tenure-demo")
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("heading", name="Customers", level=1)).to_be_visible()
        page.goto("/customers/?sort=-revenue")
        expect(page.locator("table.list tbody tr").first).to_be_visible()
        saved = [out / "customers.png"]
        page.screenshot(path=str(saved[0]))
        page.locator("table.list tbody tr").first.get_by_role("link").first.click()
        expect(page.get_by_role("heading", name="Orders", level=2)).to_be_visible()
        saved.append(out / "customer.png")
        page.screenshot(path=str(saved[1]))
        browser.close()
    return saved


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=400)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="tenure-shots-") as tmp:
        # A key of its own: the server refuses to run with DEBUG off on the public one.
        env = {**os.environ, "TENURE_VAR_DIR": tmp, "TENURE_DEBUG": "0",
               "TENURE_SECRET_KEY": secrets.token_urlsafe(50),
               "TENURE_DATABASE_URL": f"sqlite:///{tmp}/demo.sqlite3"}
        tenure("migrate", "--no-input", "-v", "0", env=env)
        tenure("demo-data", "--customers", str(args.customers), "--seed", str(args.seed),
               env=env)
        port = free_port()
        server = subprocess.Popen(
            [str(BIN / "tenure"), "runserver", "--noreload", f"127.0.0.1:{port}"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_for(port, server)
            for path in shoot(f"http://127.0.0.1:{port}", args.out):
                print(f"saved {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
        finally:
            server.terminate()
            server.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
