"""End to end in a real headless Chromium: a practice interview through the page, then the report.

Starts `streamlit run ui/app.py` on a free loopback port against this test's data folder (a
tiny ingested bank), answers two questions by typing into the page, checks the grade cards and
the report, and saves a screenshot of the report page to `artifacts/report.png`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from tests import browser as headless
from tests.test_ui_apptest import TINY_BANK

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ARTIFACTS = headless.REPO_ROOT / "artifacts"


def _key_points() -> dict[str, str]:
    """Question text -> an answer stating all its key points, parsed from the tiny bank."""
    out = {}
    for block in TINY_BANK.split("## Q")[1:]:
        question = block.split(":", 1)[1].split("\n", 1)[0].strip()
        points = re.findall(r"^- (.+)$", block.split("**Key points**:", 1)[1], flags=re.M)
        out[question] = " ".join(points)
    return out


def require_browser() -> None:
    """Skip without a browser, except under CI=true, where a skip would hide a broken setup."""
    reason = headless.missing_browser()
    if reason and os.environ.get("CI") == "true":
        pytest.fail(f"CI=true but the browser test cannot run: {reason}")
    if reason:
        pytest.skip(reason)


@contextmanager
def browser(server: headless.Server) -> Iterator[Any]:
    """A headless Chromium on the app; when the test fails, a screenshot of the page goes to
    artifacts/browser-failure.png and the server's output is printed."""
    driver = headless.chromium()
    try:
        driver.get(server.url)
        yield driver
    except Exception:
        headless.full_page_screenshot(driver, ARTIFACTS / "browser-failure.png")
        print(server.output())
        raise
    finally:
        driver.quit()


def start_interview(driver: Any, questions: int) -> None:
    """Set up a session of `questions` questions without follow-ups, start it, and wait for
    the answer box."""
    headless.wait_for(
        lambda: headless.visible(driver, headless.SIDEBAR_READY), 60, "the set-up sidebar"
    )
    headless.set_number(driver, "cfg_questions", questions)
    headless.set_slider(driver, "cfg_follow_ups", 0)
    headless.click(driver, "Start interview")
    headless.wait_for(lambda: headless.visible(driver, headless.CHAT_INPUT), 30, "the answer box")


@pytest.fixture
def server(data_dir, tmp_path):
    require_browser()
    from ingest.pipeline import ingest
    from interviewer.bank import ChromaBank
    from interviewer.settings import get_settings

    path = tmp_path / "tiny_bank.md"
    path.write_text(TINY_BANK)
    assert not ingest(ChromaBank(get_settings()), [path]).failed
    with headless.Server(data_dir, env={"INTERVIEWER_LLM_PROVIDER": "none"}) as srv:
        srv.wait_ready()
        yield srv


def test_browser_practice_interview(server):
    from selenium.webdriver.common.by import By

    answers = _key_points()
    with browser(server) as driver:
        start_interview(driver, questions=2)
        assert "Question 1 of 2" in driver.find_element(By.TAG_NAME, "body").text
        assert "offline grader" in driver.find_element(By.TAG_NAME, "body").text

        asked: list[str] = []

        def next_question() -> str | None:
            body = driver.find_element(By.TAG_NAME, "body").text
            return next((q for q in answers if q in body and q not in asked), None)

        for n in (1, 2):
            question = headless.wait_for(next_question, 60, f"question {n}")
            asked.append(question)
            headless.send_answer(driver, answers[question])
            headless.wait_for(
                lambda n=n: len(headless.visible(driver, headless.GRADE_CARD)) >= n,
                180,  # the first grade may wait for the embedding model to load
                f"grade card {n}",
            )
        cards = headless.visible(driver, headless.GRADE_CARD)
        assert len(cards) == 2
        for card in cards:
            assert "Score" in card.text and "/5" in card.text
            assert "Key points" in card.text and "✓" in card.text
            assert "Model answer" in card.text

        # The session finished: the report is drawn under the chat, with its charts.
        headless.wait_for(lambda: "Your report" in driver.page_source, 60, "the inline report")
        assert "Finished · 2 of 2 questions" in driver.find_element(By.TAG_NAME, "body").text

        driver.find_element(By.CSS_SELECTOR, 'a[href*="report"]').click()
        headless.wait_for(
            lambda: (
                len(headless.visible(driver, headless.CHART)) >= 2
                and "Overall" in driver.find_element(By.TAG_NAME, "body").text
            ),
            60,
            "the report page with its charts",
        )
        headless.wait_for(
            lambda: (
                len(
                    driver.find_elements(
                        By.CSS_SELECTOR, f"{headless.CHART} canvas, {headless.CHART} svg"
                    )
                )
                >= 2
            ),
            30,
            "the charts to draw",
        )

        def report_text():
            text = driver.find_element(By.TAG_NAME, "body").text
            return text if "Download JSON" in text else None

        text = headless.wait_for(report_text, 60, "the report's downloads")
        assert "Download Markdown" in text
        assert all(q in text for q in asked)
        shot = headless.full_page_screenshot(driver, ARTIFACTS / "report.png")
        assert shot.stat().st_size > 10_000


# Each states one key point and gets another one backwards.
CONTRADICTING = {
    "Explain dropout and how it prevents overfitting.": (
        "Dropout randomly zeroes activations during training with probability p. It makes "
        "units co-adapt more strongly, so it is not a regulariser."
    ),
    "What is batch normalization and why does it help?": (
        "It normalises activations using the mini-batch mean and variance. At inference it "
        "recomputes the mean and variance from the test batch instead of using running averages."
    ),
    "What is the vanishing gradient problem?": (
        "Gradients grow exponentially as they are multiplied back through many layers, so the "
        "early layers learn fastest."
    ),
}


def test_browser_grade_card_quotes_the_candidate_and_marks_a_contradiction(server):
    """The grade card shows the candidate's own words for what they covered and for what they
    got wrong; the screenshot is saved to artifacts/grade_card.png."""
    from selenium.webdriver.common.by import By

    with browser(server) as driver:
        start_interview(driver, questions=1)
        body = driver.find_element(By.TAG_NAME, "body").text
        question = next(q for q in CONTRADICTING if q in body)
        headless.send_answer(driver, CONTRADICTING[question])
        headless.wait_for(
            lambda: headless.visible(driver, headless.GRADE_CARD), 180, "the grade card"
        )
        card = headless.visible(driver, headless.GRADE_CARD)[0]
        assert "You said:" in card.text  # the candidate's own words, quoted
        assert "⚠" in card.text and "which contradicts it" in card.text
        ARTIFACTS.mkdir(exist_ok=True)
        driver.execute_script("arguments[0].scrollIntoView(true);", card)
        card.screenshot(str(ARTIFACTS / "grade_card.png"))
        assert (ARTIFACTS / "grade_card.png").stat().st_size > 5_000
