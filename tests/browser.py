"""Drive the web UI in headless Chromium: shared by the browser test and `benchmarks/bench_ui.py`.

Debian's `chromium` and `chromium-driver` are used as installed (`/usr/bin/...`); the driver's
path is passed explicitly so Selenium Manager never downloads anything. selenium is a dev
dependency, imported inside the functions.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
APP = REPO_ROOT / "ui" / "app.py"
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
CHROME_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)

# Selectors for what the tests and the benchmark wait for. The set-up form is drawn first;
# the Start button follows once the bank (chromadb) has loaded.
SIDEBAR_READY = '[data-testid="stSidebar"] [class*="st-key-cfg_questions"] input'
START_READY = '[data-testid="stSidebar"] [class*="st-key-start_sidebar"] button'
CHAT_INPUT = '[data-testid="stChatInput"] textarea'
GRADE_CARD = '[class*="st-key-grade_card_"]'
CHAT_MESSAGE = '[data-testid="stChatMessage"]'
METRIC = '[data-testid="stMetric"]'
CHART = '[data-testid="stVegaLiteChart"]'


def missing_browser() -> str | None:
    """Why the browser cannot run here, or None when it can."""
    for path, package in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
        if not path.exists():
            return f"{path} is missing: install it with `apt-get install {package}`"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed: run `make setup` (it is a dev dependency)"
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`streamlit run ui/app.py` on a free loopback port, for one data folder."""

    def __init__(self, data_dir: Path, *, env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        # The server's output, kept for error messages; closed and removed in stop().
        self.log = tempfile.NamedTemporaryFile(  # noqa: SIM115
            prefix="streamlit-", suffix=".log", delete=False
        )
        environment = {**os.environ, **(env or {}), "INTERVIEWER_DATA_DIR": str(data_dir)}
        environment.setdefault("HF_HUB_OFFLINE", "1")
        environment.setdefault("TRANSFORMERS_OFFLINE", "1")
        cmd = [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(APP),
            "--server.headless",
            "true",
            "--server.address",
            "127.0.0.1",
            "--server.port",
            str(self.port),
            "--browser.gatherUsageStats",
            "false",
            "--server.fileWatcherType",
            "none",
            "--runner.fastReruns",  # as `interviewer ui` runs it (see interviewer/cli.py)
            "false",
        ]
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            cmd, cwd=REPO_ROOT, env=environment, stdout=self.log, stderr=subprocess.STDOUT
        )

    def wait_ready(self, timeout: float = 60) -> float:
        """Block until the server answers its health check; returns seconds since start."""
        deadline = time.monotonic() + timeout
        health = f"{self.url}_stcore/health"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"streamlit exited early:\n{self.output()}")
            try:
                with urllib.request.urlopen(health, timeout=1) as reply:
                    if reply.status == 200:
                        return time.perf_counter() - self.started
            except OSError:
                time.sleep(0.05)
        raise TimeoutError(f"streamlit did not answer within {timeout:g} s:\n{self.output()}")

    def output(self) -> str:
        return Path(self.log.name).read_text(errors="replace")[-4000:]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
        Path(self.log.name).unlink(missing_ok=True)

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def chromium(width: int = 1400, height: int = 1000) -> Any:
    """A headless Chromium driven through Debian's chromedriver, with a fresh profile."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in CHROME_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tempfile.mkdtemp(prefix='chromium-profile-')}")
    options.add_argument(f"--window-size={width},{height}")
    return webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)


def wait_for(condition: Callable[[], Any], timeout: float = 30, what: str = "the page") -> Any:
    """Poll `condition` until it returns something truthy; raise with `what` on timeout."""
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            value = condition()
        except Exception as exc:  # stale elements while Streamlit redraws: try again
            last = exc
            value = None
        if value:
            return value
        time.sleep(0.02)
    detail = f" ({last})" if last else ""
    raise TimeoutError(f"timed out after {timeout:g} s waiting for {what}{detail}")


def visible(driver: Any, css: str) -> list[Any]:
    from selenium.webdriver.common.by import By

    return [e for e in driver.find_elements(By.CSS_SELECTOR, css) if e.is_displayed()]


def button(driver: Any, label: str) -> Any:
    """The last visible, enabled button labelled `label` (its icon's name comes first)."""
    from selenium.webdriver.common.by import By

    found = [
        b
        for b in driver.find_elements(By.TAG_NAME, "button")
        if b.is_displayed() and b.is_enabled() and b.text.strip().split("\n")[-1] == label
    ]
    return found[-1] if found else None


def click(driver: Any, label: str, timeout: float = 30) -> None:
    """Click the button labelled `label`, finding it again if Streamlit redraws it first.

    Finding and clicking happen in one retried step: a rerun between the two replaces the
    element, and Selenium then raises StaleElementReferenceException on the old one.
    """

    def attempt() -> bool:
        found = button(driver, label)
        if found is None:
            return False
        found.click()
        return True

    wait_for(attempt, timeout, f"the {label!r} button")


def set_number(driver: Any, key: str, value: int) -> None:
    """Type a value into the number input with widget key `key`, then leave the field."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    box = driver.find_element(By.CSS_SELECTOR, f'[class*="st-key-{key}"] input')
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys(str(value), Keys.TAB)


def set_slider(driver: Any, key: str, value: int) -> None:
    """Move the slider with widget key `key` to `value` with the arrow keys."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    # The range input is visually hidden; focus it and press keys as a keyboard user would.
    thumb = driver.find_element(By.CSS_SELECTOR, f'[class*="st-key-{key}"] input[type="range"]')
    driver.execute_script("arguments[0].focus();", thumb)
    current = int(float(thumb.get_attribute("value")))
    step = Keys.ARROW_RIGHT if value > current else Keys.ARROW_LEFT
    actions = ActionChains(driver)
    for _ in range(abs(value - current)):
        actions.send_keys(step)
    actions.perform()
    wait_for(lambda: int(float(thumb.get_attribute("value"))) == value, 5, f"the {key} slider")


def type_answer(driver: Any, text: str) -> Any:
    """Type `text` into the answer box without sending it; returns the box."""
    from selenium.webdriver.common.by import By

    box = wait_for(
        lambda: next(
            (e for e in driver.find_elements(By.CSS_SELECTOR, CHAT_INPUT) if e.is_enabled()), None
        ),
        what="the answer box",
    )
    box.send_keys(text)
    return box


def send_answer(driver: Any, text: str) -> None:
    from selenium.webdriver.common.keys import Keys

    type_answer(driver, text).send_keys(Keys.ENTER)


def page_height(driver: Any) -> int:
    return int(
        driver.execute_script(
            "const m = document.querySelector('[data-testid=\"stMain\"]') || document.body;"
            "return Math.max(m.scrollHeight, document.body.scrollHeight);"
        )
    )


def full_page_screenshot(driver: Any, path: Path, width: int = 1400, cap: int = 6000) -> Path:
    """Resize the window to the whole page, screenshot it, and restore the size."""
    size = driver.get_window_size()
    driver.set_window_size(width, min(page_height(driver) + 120, cap))
    time.sleep(1.0)  # let the charts re-lay out at the new size
    path.parent.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(path))
    driver.set_window_size(size["width"], size["height"])
    return path
