"""Web UI benchmark in headless Chromium: first paint, and one offline turn.

Prints, on this machine:
- server: seconds from `streamlit run ui/app.py` to its health check answering;
- first paint: a fresh server on an existing index, Chromium already running; seconds from
  opening the page until the set-up sidebar (categories from the bank, the Start button) is
  drawn. The first visit after a server start pays for the imports. Median over --runs fresh
  servers (target <= 2 s); a reload of the page on a warm server is shown too;
- turn: one offline turn in the browser, from pressing Enter on an answer until its grade card
  is visible (target <= 1 s). Before each answer the benchmark waits --think seconds, standing
  in for the candidate reading the question and typing (the embedding model, and each new
  question's key points, are encoded in the background meanwhile; --think 0 measures without
  that head start). The first turn is reported on its own, then the median and max of the rest.

The index is the bundled bank ingested into a temporary folder (its ingest time is not part of
any figure), or --data-dir for one that exists already (e.g. `.data` after `make run`).

Usage: python -m benchmarks.bench_ui [--runs 3] [--turns 4] [--think 5] [--data-dir DIR]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

FIRST_PAINT_TARGET = 2.0
TURN_TARGET = 1.0


def _ingest_bundled(data_dir: Path) -> float:
    from ingest.pipeline import ingest
    from interviewer.bank import ChromaBank
    from interviewer.settings import BUNDLED_BANK_DIR, get_settings

    started = time.perf_counter()
    ingest(ChromaBank(get_settings(data_dir=data_dir)), [BUNDLED_BANK_DIR])
    return time.perf_counter() - started


def _answers(data_dir: Path) -> dict[str, str]:
    """Question text -> an answer stating its key points (a realistic length to grade)."""
    from interviewer.bank import ChromaBank
    from interviewer.settings import get_settings

    bank = ChromaBank(get_settings(data_dir=data_dir))
    return {q.text: " ".join(q.criteria) for q in bank.list() if q.gradable}


def first_paint(data_dir: Path, driver) -> tuple[float, float, float, float]:
    """(server ready, first paint, ready to start, warm reload) for one fresh server."""
    from tests import browser as headless

    with headless.Server(data_dir) as server:
        ready = server.wait_ready()
        driver.get("about:blank")
        started = time.perf_counter()
        driver.get(server.url)
        headless.wait_for(
            lambda: headless.visible(driver, headless.SIDEBAR_READY), 60, "first paint"
        )
        paint = time.perf_counter() - started
        headless.wait_for(lambda: headless.visible(driver, headless.START_READY), 60, "start")
        start = time.perf_counter() - started
        driver.get("about:blank")
        started = time.perf_counter()
        driver.get(server.url)
        headless.wait_for(lambda: headless.visible(driver, headless.START_READY), 60, "reload")
        reload = time.perf_counter() - started
    return ready, paint, start, reload


def turns(data_dir: Path, driver, n: int, think: float) -> list[float]:
    """Seconds from Enter to the grade card, for n answers in one practice session."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    from tests import browser as headless

    answers = _answers(data_dir)
    out = []
    with headless.Server(data_dir) as server:
        server.wait_ready()
        driver.get(server.url)
        headless.wait_for(lambda: headless.visible(driver, headless.START_READY), 60)
        headless.set_number(driver, "cfg_questions", n + 1)
        headless.set_slider(driver, "cfg_follow_ups", 0)
        headless.click(driver, "Start interview")
        headless.wait_for(lambda: headless.visible(driver, headless.CHAT_INPUT), 30)
        for i in range(n):
            body = driver.find_element(By.TAG_NAME, "body").text
            # The newest question on the page: the last one whose text is shown.
            shown = [q for q in answers if q in body]
            question = max(shown, key=body.rfind)
            cards = len(headless.visible(driver, headless.GRADE_CARD))
            time.sleep(think)
            box = headless.type_answer(driver, answers[question])
            started = time.perf_counter()
            box.send_keys(Keys.ENTER)

            def card_shown(c: int = cards) -> bool:
                return len(headless.visible(driver, headless.GRADE_CARD)) > c

            headless.wait_for(
                card_shown,
                180,
                f"grade card {i + 1}",
            )
            out.append(time.perf_counter() - started)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="fresh servers for first paint")
    parser.add_argument("--turns", type=int, default=4, help="answers in the turn session")
    parser.add_argument("--think", type=float, default=5.0, help="seconds before each answer")
    parser.add_argument("--data-dir", type=Path, help="an existing index (default: temporary)")
    args = parser.parse_args(argv)

    from tests import browser as headless

    reason = headless.missing_browser()
    if reason:
        print(f"  skipped: {reason}")
        return
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ["INTERVIEWER_LLM_PROVIDER"] = "none"  # an offline turn, whatever .env says
    with tempfile.TemporaryDirectory(prefix="bench-ui-") as tmp:
        data_dir = args.data_dir or Path(tmp)
        if args.data_dir is None:
            seconds = _ingest_bundled(data_dir)
            print(f"  index: bundled bank ingested into {data_dir} in {seconds:.1f} s (not timed)")
        driver = headless.chromium()
        try:
            paints = [first_paint(data_dir, driver) for _ in range(args.runs)]
            times = turns(data_dir, driver, args.turns, args.think)
        finally:
            driver.quit()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"  machine:       {os.cpu_count()} CPUs, load average {load} at the end")
    ready = statistics.median(p[0] for p in paints)
    cold = [p[1] for p in paints]
    paint = statistics.median(cold)
    start = statistics.median(p[2] for p in paints)
    warm = statistics.median(p[3] for p in paints)
    verdict = "met" if paint <= FIRST_PAINT_TARGET else "MISSED"
    print(f"  server ready:  median {ready:.2f} s after `streamlit run`")
    print(
        f"  first paint:   median {paint:.2f} s over {len(cold)} fresh servers "
        f"({', '.join(f'{c:.2f}' for c in cold)}), set-up sidebar drawn "
        f"(target <= {FIRST_PAINT_TARGET:g} s: {verdict})"
    )
    print(
        f"  ready:         median {start:.2f} s until the bank is loaded and Start is shown; "
        f"a reload on a warm server {warm:.2f} s"
    )
    first, rest = times[0], times[1:]
    print(
        f"  first turn:    {first:.2f} s after {args.think:g} s of thinking (it waits for the "
        "embedding model if that is still loading)"
    )
    if rest:
        median = statistics.median(rest)
        print(
            f"  turn:          median {median:.2f} s, max {max(rest):.2f} s over {len(rest)} "
            f"answers, Enter to grade card, {args.think:g} s of thinking before each "
            f"(target <= {TURN_TARGET:g} s: "
            f"{'met' if median <= TURN_TARGET else 'MISSED'})"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
