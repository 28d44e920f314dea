"""The dashboard in headless Chromium (Debian's ``chromium`` + ``chromium-driver``, see
``scripts/ensure-chromium``), driven by selenium: sign in with the token, see a dead
job, retry it from the dead-letter view and watch it complete under a real worker.
A screenshot goes to ``test-artifacts/dashboard.png``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from taskito import Queue

from tests.conftest import WorkerThread, wait_for
from tests.integration.dashboard_server import chromium, running_dashboard

pytestmark = pytest.mark.timeout(120)

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture
def browser() -> Iterator[Any]:
    with chromium() as driver:
        yield driver


def test_retry_a_dead_job_from_the_browser(
    any_queue: Queue, tmp_path: Path, browser: Any, start_worker: Callable[..., WorkerThread]
) -> None:
    from selenium.webdriver.common.by import By

    flag = tmp_path / "fixed"

    @any_queue.task(max_retries=0)
    def charge(order: int) -> str:
        if not flag.exists():
            raise RuntimeError(f"card declined for order {order}")
        return f"charged {order}"

    @any_queue.task()
    def ok(n: int) -> int:
        return n

    ok.map([(i,) for i in range(3)])
    doomed = charge.delay(7)
    start_worker(any_queue)
    wait_for(lambda: doomed.refresh().status == "dead", what="the job dies")

    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException

    def text() -> str:
        return str(browser.execute_script("return document.body.innerText"))

    def text_of(selector: str) -> str | None:
        # One script call: the page may re-render between two WebDriver calls.
        found = browser.execute_script(
            "const e = document.querySelector(arguments[0]); return e && e.textContent", selector
        )
        return None if found is None else str(found)

    def click(selector: str) -> None:
        def clicked() -> bool:
            try:
                browser.find_element(By.CSS_SELECTOR, selector).click()
            except (NoSuchElementException, StaleElementReferenceException):
                return False
            return True

        wait_for(clicked, what=f"a click on {selector}")

    with running_dashboard(any_queue, token="letmein") as dashboard:
        browser.get(dashboard.base + "/")
        wait_for(lambda: browser.find_element(By.ID, "token").is_displayed(), what="login")
        browser.find_element(By.ID, "token").send_keys("letmein")
        click("#login-form button")
        wait_for(
            lambda: text_of('[data-count="dead"]') == "1", what="the overview counts one dead job"
        )

        click('nav a[data-view="dead"]')
        wait_for(lambda: "card declined for order 7" in text(), what="the dead letter")
        ARTIFACTS.mkdir(exist_ok=True)
        assert browser.save_screenshot(str(ARTIFACTS / "dashboard-dead-letters.png"))
        flag.touch()  # the card works now
        click('button[data-action="retry"]')
        wait_for(lambda: "no dead letters" in text(), what="the dead letter leaves the list")

        [retried] = [j for j in any_queue.list_jobs(task_name=charge.name) if j.id != doomed.id]
        assert retried.result(timeout=15) == "charged 7"
        click('nav a[data-view="jobs"]')
        row = f'tr[data-job="{retried.id}"] .badge'
        wait_for(lambda: text_of(row) == "complete", what="the retried job shows complete")
        browser.get(f"{dashboard.base}/#/job/{retried.id}")
        wait_for(lambda: "charged 7" in text(), what="the job detail shows the result")
        assert browser.save_screenshot(str(ARTIFACTS / "dashboard-job.png"))
        browser.get(dashboard.base + "/#/overview")
        wait_for(
            lambda: text_of('[data-count="completed"]') == "4",
            what="the overview counts four completed jobs",
        )
        assert browser.save_screenshot(str(ARTIFACTS / "dashboard.png"))
        logs = browser.get_log("browser")
        # The first API call is refused (401) until the token is given: expected.
        errors = [e for e in logs if e["level"] == "SEVERE" and " 401 " not in e["message"]]
        assert errors == [], errors
