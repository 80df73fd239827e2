"""Screenshots of the main pages of the demo street, at a desktop and at a phone width.

Builds the demo street in a temporary SQLite database, serves it on a free loopback port with
DEBUG off (so the error pages are the portal's own), and saves PNGs into the folder given:

    bin/screenshots [FOLDER]        # default: screenshots/ in the repository (git-ignored)

Driven by bin/screenshots, which picks the virtualenv. Debian's chromium, as in the browser tests.
"""

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "Dangjian-2026"
WIDTHS = {"desktop": (1280, 900), "phone": (360, 740)}


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def manage(env, *args):
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


def wait_until_up(url, process, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server stopped (exit {process.returncode})")
        try:
            urllib.request.urlopen(f"{url}/accounts/login/", timeout=2).close()
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"the server did not answer on {url} within {seconds} s")


def log_in(page, url, username):
    page.goto(f"{url}/accounts/login/")
    page.get_by_label("用户名或手机号").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{url}/")


def first_member(page, url):
    page.goto(f"{url}/members/")
    return page.locator("#results tbody a").first.get_attribute("href")


def shots(url):
    """(file stem, username or None, how to reach the page) for each screenshot."""

    def go(path):
        return lambda page: page.goto(f"{url}{path}")

    def member_page(page):
        page.goto(f"{url}{first_member(page, url)}")

    def empty_new_member(page):
        page.goto(f"{url}/members/new/")
        page.get_by_role("button", name="下一步：核对").click()
        page.locator(".errorlist").first.wait_for()

    def forbidden(page):  # a read-only viewer opening a member's edit form
        page.goto(f"{url}{first_member(page, url)}edit/")

    return [
        ("login", None, go("/accounts/login/")),
        ("home-street", "jiedao", go("/")),
        ("home-community", "beimen", go("/")),
        ("member", "beimen", member_page),
        ("new-member-errors", "beimen", empty_new_member),
        ("organizations", "jiedao", go("/organizations/")),
        ("dashboard", "jiedao", go("/dashboard/")),
        ("403", "chakan", forbidden),
        ("404", "beimen", go("/members/99999999/")),
    ]


def take(url, folder, chromium):
    from playwright.sync_api import sync_playwright

    saved = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
        for width_name, (width, height) in WIDTHS.items():
            sessions = {}
            for stem, username, reach in shots(url):
                if username not in sessions:
                    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
                    page = context.new_page()
                    page.set_default_timeout(15_000)
                    if username:
                        log_in(page, url, username)
                    sessions[username] = page
                page = sessions[username]
                reach(page)
                page.wait_for_load_state("networkidle")
                path = folder / f"{stem}-{width_name}.png"
                page.screenshot(path=path, full_page=True)
                saved.append(path)
        browser.close()
    return saved


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "folder", nargs="?", default=ROOT / "screenshots", help="where the PNGs go (default: screenshots/ here)"
    )
    parser.add_argument(
        "--chromium", default=os.environ.get("PORTAL_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    )
    args = parser.parse_args()
    folder = Path(args.folder).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="portal-screenshots-") as tmp:
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{tmp}/db.sqlite3",
            "DJANGO_DEBUG": "0",  # the portal's own 403 and 404 pages, not Django's debug pages
            "DJANGO_ENV": "development",
        }
        print("building the demo street …", flush=True)
        manage(env, "migrate", "--noinput")
        manage(env, "seed_demo")
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_until_up(url, server)
            saved = take(url, folder, args.chromium)
        finally:
            server.terminate()
            server.wait(timeout=10)
    for path in saved:
        print(path)


if __name__ == "__main__":
    main()
