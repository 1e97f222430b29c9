"""Browser tests (`make e2e`). The app is served as `make run` serves it: migrations, the statute texts from
../shared/statutes, the bundled course from content/, then `flask run` on 127.0.0.1 and a free port, with a
fresh SQLite database in a temporary folder. Debian's Chromium (launched by path, never downloaded) drives it
through Playwright. Every page a test visits goes through `audit.check()` (support.py): axe-core, landmarks
and headings, labels and error messages, no horizontal scrolling at phone width, screenshots at both sizes."""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.e2e.support import ARTIFACTS, AXE_PATH, DESKTOP, SCREENSHOTS, Audit

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
STATUTES_DIR = Path(os.environ.get("STATUTES_DIR", ROOT.parent / "shared" / "statutes"))
ADMIN = {"email": "admin@example.jp", "password": "e2e-admin-passphrase"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _flask(env: dict, *args: str, log) -> None:
    command = [str(Path(sys.executable).with_name("flask")), *args]
    log.write(f"$ flask {' '.join(args)}\n")
    log.flush()
    done = subprocess.run(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, timeout=300)
    if done.returncode:
        pytest.fail(f"`flask {' '.join(args)}` failed ({done.returncode}); see {log.name}", pytrace=False)


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """The base URL of the app, built and served like `make run`; stopped when the session ends."""
    if not STATUTES_DIR.is_dir():
        pytest.fail(f"no statute texts at {STATUTES_DIR} (the journeys follow statute links)", pytrace=False)
    workdir = tmp_path_factory.mktemp("e2e-server")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "TEST_DATABASE"))}
    env.update({"DATABASE_URL": f"sqlite:///{workdir / 'e2e.sqlite'}", "SECRET_KEY": os.urandom(16).hex(),
                "STATUTES_DIR": str(STATUTES_DIR), "FLASK_APP": "app:create_app", "PYTHONUNBUFFERED": "1"})
    port = _free_port()
    log_path = ARTIFACTS / "e2e-server.log"
    with open(log_path, "w") as log:
        _flask(env, "db", "upgrade", log=log)
        _flask(env, "statutes", "import", "--dir", str(STATUTES_DIR), log=log)
        _flask(env, "content", "import", "content", log=log)
        # The first account becomes admin: create it here, so the newcomers of the journeys are learners.
        _flask(env, "users", "create", "--email", ADMIN["email"], "--role", "admin", "--name", "管理者",
               "--password", ADMIN["password"], log=log)
        log.write(f"$ flask run --host 127.0.0.1 --port {port}\n")
        log.flush()
        process = subprocess.Popen([str(Path(sys.executable).with_name("flask")), "run", "--host", "127.0.0.1",
                                    "--port", str(port)], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 30
            while True:
                if process.poll() is not None:
                    pytest.fail(f"the server stopped at start ({process.returncode}); see {log_path}", pytrace=False)
                try:
                    with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:
                        if json.load(response) == {"status": "ok"}:
                            break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    pytest.fail(f"the server did not answer /healthz in 30 s; see {log_path}", pytrace=False)
                time.sleep(0.2)
            yield base
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"no Chromium at {CHROMIUM}: apt-get install chromium (or set CHROMIUM=/path)", pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def audit():
    if not AXE_PATH.exists():
        pytest.fail(f"axe-core is not installed at {AXE_PATH}: run `npm ci` (make e2e does)", pytrace=False)
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)
    SCREENSHOTS.mkdir(parents=True)
    recorder = Audit()
    _audits.append(recorder)
    yield recorder
    recorder.write_report()


@pytest.fixture
def make_context(browser, server):
    """Opens fresh browser profiles (no cookies) on a desktop-sized window. Every request any of their pages
    makes is recorded, and the test fails if one left 127.0.0.1 or if a page raised a script or CSP error."""
    opened = []
    requests: list[str] = []
    problems: list[str] = []

    def on_page(page):
        page.on("console", lambda message: problems.append(f"console: {message.text}")
                if "Content Security Policy" in message.text else None)

    def make():
        context = browser.new_context(base_url=server, viewport=DESKTOP, locale="ja-JP", timezone_id="Asia/Tokyo")
        context.set_default_timeout(15_000)
        context.on("request", lambda request: requests.append(request.url))
        context.on("weberror", lambda error: problems.append(f"script error: {error.error}"))
        context.on("page", on_page)
        opened.append(context)
        return context

    yield make
    for context in opened:
        context.close()
    outside = [url for url in requests if urlsplit(url).hostname != "127.0.0.1"]
    assert outside == [], f"requests left 127.0.0.1: {outside[:10]}"
    assert problems == [], problems[:10]


@pytest.fixture
def context(make_context):
    return make_context()


@pytest.fixture
def page(context):
    return context.new_page()


_audits: list[Audit] = []


def pytest_terminal_summary(terminalreporter):
    for recorder in _audits:
        data = recorder.summary()
        terminalreporter.write_line(
            f"axe-core {data['axe_version']}: {data['pages']} pages checked, {data['scans']} scans; "
            f"serious/critical violations: {data['serious_or_critical']}, moderate/minor: "
            f"{data['moderate_or_minor']}; {data['screenshots']} screenshots in {SCREENSHOTS.relative_to(ROOT)}/")
