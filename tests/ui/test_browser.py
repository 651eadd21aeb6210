"""The web UI in a real browser: Debian's Chromium driven by Selenium (system chromedriver,
nothing downloaded) against a real `gitsync serve` on two embedded API servers.

Covers the list page, an app page during a gated blue-green sync (the Rollout paused for
promotion, a PostSync hook running), actions refused anonymously and accepted after
logging in with the API token, terminate, and the live diff of a drifted app. Saves the
screenshots shown in docs/ui.md.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from tests.controller.harness import API_TOKEN, Env, deployment, environment

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
DOCS_SHOTS = Path(__file__).resolve().parents[2] / "docs" / "ui"
GATE = {"gitsync.io/sync-gate": "pause"}

pytestmark = pytest.mark.skipif(
    not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()),
    reason="Chromium and chromedriver not found (Debian: apt-get install chromium chromium-driver)",
)


def _shop(image: str, *, smoke_test: bool) -> dict[str, str]:
    rollout = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "metadata": {"name": "shop", "annotations": GATE},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "shop"}},
            "template": {
                "metadata": {"labels": {"app": "shop"}},
                "spec": {"containers": [{"name": "shop", "image": image}]},
            },
            "strategy": {
                "blueGreen": {
                    "activeService": "shop-active",
                    "previewService": "shop-preview",
                    "autoPromotionEnabled": False,
                }
            },
        },
    }
    services = [
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": name},
            "spec": {"selector": {"app": "shop"}, "ports": [{"port": 80}]},
        }
        for name in ("shop-active", "shop-preview")
    ]
    smoke = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {
            "name": "smoke-test",
            "annotations": {
                "argocd.argoproj.io/hook": "PostSync",
                "argocd.argoproj.io/hook-delete-policy": "BeforeHookCreation",
                "sim.gitsync.io/duration": "120",
            },
        },
        "spec": {
            "template": {
                "spec": {
                    "restartPolicy": "Never",
                    "containers": [{"name": "t", "image": "curl", "args": ["http://shop-preview"]}],
                }
            }
        },
    }
    hooks = [smoke] if smoke_test else []
    return {"apps/shop/all.yaml": yaml.safe_dump_all([rollout, *services, *hooks])}


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    tmp = tmp_path_factory.mktemp("ui")
    files = {"apps/web/deployment.yaml": deployment("web"), **_shop("shop:1.0", smoke_test=False)}
    with environment(tmp, files, start=False, self_heal=False) as running:
        for sim in running.sims:
            sim.install_argo_rollouts_crds()
        running.start()
        running.wait_apps(
            lambda a: (
                len(a) == 4
                and all(x["sync_status"] == "Synced" and x["history"] for x in a.values())
            ),
            timeout=40,
            what="first syncs",
        )
        yield running


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where screenshots go. Those of docs/ui.md are refreshed only when asked for
    (GITSYNC_UI_SCREENSHOTS=1), so a test run leaves the tree as it was; otherwise they go
    to this run's temp dir, and are still taken, so taking them cannot break unnoticed."""
    if os.environ.get("GITSYNC_UI_SCREENSHOTS") == "1":
        return DOCS_SHOTS
    return tmp_path_factory.mktemp("ui-shots")


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    profile = tempfile.mkdtemp(prefix="gitsync-ui-chromium-")
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1280,800",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(20)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def _wait(driver: WebDriver, check: Any, what: str, timeout: float = 30) -> Any:
    stale = (StaleElementReferenceException,)
    wait = WebDriverWait(driver, timeout, poll_frequency=0.1, ignored_exceptions=stale)
    return wait.until(check, message=what)


def _text(driver: WebDriver, css: str) -> str:
    """The element's text read in one step: live updates replace elements at any time."""
    script = "var el = document.querySelector(arguments[0]); return el ? el.innerText : '';"
    return str(driver.execute_script(script, css)).replace("\t", " ")


def _click(driver: WebDriver, xpath: str) -> None:
    """Click, retrying while a live update replaces the element under the finger."""

    def click(d: WebDriver) -> bool:
        d.find_element(By.XPATH, xpath).click()
        return True

    WebDriverWait(driver, 10, ignored_exceptions=(StaleElementReferenceException,)).until(
        click, message=f"click {xpath}"
    )


def _shot(driver: WebDriver, shots: Path, name: str) -> None:
    shots.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(shots / f"{name}.png"))


def _post(url: str, data: bytes, headers: dict[str, str]) -> int:
    request = urllib.request.Request(url, data=data, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as err:
        return int(err.code)


def _viewport(driver: WebDriver) -> None:
    metas = driver.find_elements(By.CSS_SELECTOR, 'meta[name="viewport"]')
    assert metas and "width=device-width" in str(metas[0].get_attribute("content"))


def test_list_page_filters_and_counts(env: Env, browser: WebDriver, shots: Path) -> None:
    browser.get(env.url + "/")
    _viewport(browser)
    rows = browser.find_elements(By.CSS_SELECTOR, "#apps tbody tr")
    assert sorted(r.find_element(By.CSS_SELECTOR, "th").text for r in rows) == [
        "shop-c1\nfrom apps",
        "shop-c2\nfrom apps",
        "web-c1\nfrom apps",
        "web-c2\nfrom apps",
    ]
    assert "4 of 4 application(s) shown." in _text(browser, "#counts")
    assert "Synced: 4" in _text(browser, "#counts")
    _shot(browser, shots, "list")
    field = browser.find_element(By.NAME, "name")
    field.send_keys("shop")
    field.submit()
    _wait(browser, lambda d: "name=shop" in d.current_url, "filtered url")
    names = [e.text for e in browser.find_elements(By.CSS_SELECTOR, "#apps tbody th > a")]
    assert names == ["shop-c1", "shop-c2"]
    browser.find_element(By.LINK_TEXT, "shop-c1").click()
    _wait(browser, lambda d: d.current_url.endswith("/applications/shop-c1"), "app page")
    _viewport(browser)
    resources = _text(browser, "#resources")
    for expected in ("Rollout", "shop", "Service", "shop-active", "Synced", "Healthy"):
        assert expected in resources
    assert "History" in _text(browser, "#history") and "Succeeded" in _text(browser, "#history")
    browser.find_element(By.LINK_TEXT, "apps").click()
    _wait(browser, lambda d: "/applicationsets/apps" in d.current_url, "appset page")
    assert "Generated applications (4)" in _text(browser, "main")
    # at phone width the page itself never scrolls sideways (wide tables scroll in place)
    browser.set_window_size(400, 800)
    try:
        browser.get(env.url + "/applications/shop-c1")
        width = "return [document.documentElement.scrollWidth, window.innerWidth];"
        scroll_width, inner_width = browser.execute_script(width)
        assert scroll_width <= inner_width
        _shot(browser, shots, "app-phone")
    finally:
        browser.set_window_size(1280, 800)


def test_actions_need_a_login(env: Env, browser: WebDriver) -> None:
    browser.delete_all_cookies()
    browser.get(env.url + "/applications/web-c1")
    assert not browser.find_elements(By.XPATH, "//button[text()='Sync']")
    assert "Log in" in _text(browser, "main")
    json_headers = {"Content-Type": "application/json"}
    api = f"{env.url}/api/v1/applications/web-c1/sync"
    assert _post(api, b"{}", json_headers) == 401
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    assert _post(f"{env.url}/applications/web-c1/actions/sync", b"csrf=x", form) == 401
    assert len(env.apps()["web-c1"]["history"]) == 1
    browser.get(env.url + "/login")
    _viewport(browser)
    browser.find_element(By.ID, "token").send_keys("not-the-token")
    browser.find_element(By.XPATH, "//button[text()='Log in']").click()
    _wait(browser, lambda d: "not the API token" in d.page_source, "login refused")
    browser.find_element(By.ID, "token").send_keys(API_TOKEN)
    browser.find_element(By.XPATH, "//button[text()='Log in']").click()
    _wait(browser, lambda d: d.find_elements(By.XPATH, "//button[text()='Log out']"), "login")
    cookie = browser.get_cookie("gitsync_session")
    assert cookie and cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    browser.get(env.url + "/applications/web-c1")
    _click(browser, "//button[text()='Sync']")
    _wait(browser, lambda d: "Sync queued." in d.page_source, "sync queued notice")
    env.wait_apps(lambda a: len(a["web-c1"]["history"]) == 2, timeout=20, what="ui sync ran")
    assert _post(api, b"{}", {**json_headers, "Authorization": f"Bearer {API_TOKEN}"}) == 202


def test_diff_of_a_drifted_app(env: Env, browser: WebDriver, shots: Path) -> None:
    # runs before the gated test's commit: a sync of a new commit would repair the drift
    sim = env.sims[1]
    sim.mutate(
        "apps/v1",
        "Deployment",
        "web",
        "web",
        lambda o: {**o, "spec": {**o["spec"], "replicas": 5}},
    )
    env.wait_apps(lambda a: a["web-c2"]["sync_status"] == "OutOfSync", what="drift seen")
    browser.get(env.url + "/applications/web-c2")
    assert "OutOfSync" in _text(browser, "#summary")
    _wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#diff details"), "diff listed")
    summary = browser.find_element(By.CSS_SELECTOR, "#diff details summary")
    assert summary.text == "Deployment/web/web"
    summary.click()
    diff = _text(browser, "#diff pre.diff")
    assert "-  replicas: 5" in diff and "+  replicas: 1" in diff
    browser.execute_script("document.getElementById('diff').scrollIntoView()")
    _shot(browser, shots, "app-diff")
    items = json.loads(_get(f"{env.url}/api/v1/applications/web-c2/diff"))["items"]
    assert any("replicas" in i["diff_text"] for i in items)


def test_gated_blue_green_sync_page_and_terminate(
    env: Env, browser: WebDriver, shots: Path
) -> None:
    env.repo.commit(files=_shop("shop:2.0", smoke_test=True))
    env.wait_apps(
        lambda a: (
            (a["shop-c1"].get("operation") or {}).get("phase") == "Running"
            and "hook Job/shop/smoke-test" in a["shop-c1"]["operation"]["message"]
        ),
        timeout=40,
        what="shop-c1 waiting in PostSync behind the pause gate",
    )
    browser.get(env.url + "/applications/shop-c1")
    _wait(browser, lambda d: "Running PostSync wave 0" in _text(d, "#operation"), "timeline")
    resources = _text(browser, "#resources")
    assert "Job (hook) shop smoke-test" in resources and "Rollout shop shop" in resources
    # the pause gate, as the live updates show it
    _wait(browser, lambda d: "awaiting promotion" in _text(d, "#summary"), "paused Rollout")
    assert browser.find_elements(By.XPATH, "//button[text()='Promote']")
    browser.execute_script("document.getElementById('operation').scrollIntoView()")
    _shot(browser, shots, "app-gated-sync")
    _click(browser, "//button[text()='Terminate operation']")
    _wait(browser, lambda d: "Termination requested." in d.page_source, "terminate notice")
    # the live update (Server-Sent Events) swaps in the ended operation without a reload
    env.wait_apps(
        lambda a: a["shop-c1"]["operation"]["phase"] == "Failed", what="operation terminated"
    )
    _wait(browser, lambda d: "terminated by request" in _text(d, "#operation"), "live update")
    assert "Failed" in _text(browser, "#history")
    _click(browser, "//button[text()='Promote']")
    _wait(browser, lambda d: "Rollout promoted." in d.page_source, "promote notice")
    env.wait_apps(lambda a: a["shop-c1"]["health"] == "Healthy", what="promoted Rollout healthy")


def _get(url: str) -> bytes:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {API_TOKEN}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return bytes(response.read())
