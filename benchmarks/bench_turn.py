"""Interview-turn benchmark: offline turn latency, chat start-up time, LLM-mode cost.

Prints, on this machine:
- turn: p50/p95 of one offline turn (an answer in; grade, next question and the SQLite commit
  out) over sessions drawn from the bundled bank, grader model already loaded (target p95 <=
  150 ms on 2 cores). Uses the real OfflineGrader when `interviewer.grading.offline` exists;
  otherwise a keyword stand-in, and says so.
- startup: seconds from launching `interviewer chat` to the first question on screen, with an
  existing index (target <= 3 s). Builds a temporary index with `interviewer ingest` first.
- llm: LLM calls and prompt tokens per answered turn with the scripted fake chat-model port (tokens
  are the fake's estimate, about four characters a token), the prompt tokens of a re-ask, and
  the share of first replies that parse, against the loopback server in its llama.cpp profile
  (grammar-constrained json_object) and against one that refuses JSON mode, over a fixed set
  of replies shaped like small local models' (a simulation of our handling, not of a model).

Usage: python -m benchmarks.bench_turn [--sessions 10] [--questions 8] [--skip-startup]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def bundled_questions():
    from ingest import parse_file

    questions = []
    for path in sorted((REPO / "bank").glob("*.md")):
        questions += parse_file(path)
    return questions


def realistic_answers(question, i: int) -> str:
    """A mix of strong, partial and off answers, 40-300 words, built from the reference."""
    ref = question.reference.text if question.reference.usable else " ".join(question.criteria)
    words = ref.split()
    kind = i % 4
    if kind == 0:
        return " ".join(words[:300])
    if kind == 1:
        return " ".join(words[: max(40, len(words) // 3)])
    if kind == 2:
        return " ".join(words[len(words) // 2 : len(words) // 2 + 80]) or ref
    return "I think it mostly depends on the data and on how you tune the model in practice."


def make_grader(stand_in: bool = False):
    from tests.agent_fakes import KeywordGrader

    if stand_in:
        return KeywordGrader(), "keyword stand-in (engine overhead only)"
    try:
        from interviewer.grading.offline import OfflineGrader
    except ImportError:
        return KeywordGrader(), "keyword stand-in (interviewer.grading.offline is missing)"
    return OfflineGrader(), "OfflineGrader"


class TimedGrader:
    def __init__(self, inner) -> None:
        self.inner = inner
        self.name = inner.name
        self.times: list[float] = []

    def grade(self, question, answer, *, criteria=None):
        start = time.perf_counter()
        try:
            return self.inner.grade(question, answer, criteria=criteria)
        finally:
            self.times.append(time.perf_counter() - start)


def prepare_ahead(inner, session) -> None:
    """What the product does while the candidate reads: let the grader embed the reference.

    Uses the grader's `prepare` when it has one; otherwise a throwaway grade fills the same
    per-question cache (the OfflineGrader caches references and key points per question).
    """
    from interviewer.grading.base import PreparingGrader

    if isinstance(inner, PreparingGrader):
        session.prefetch()
        return
    state = session.state
    q = session.engine.source.get(state.current.question_id)
    inner.grade(q, q.text, criteria=state.criteria_for_answer())


def run_sessions(source, inner, n_sessions: int, n_questions: int, *, ahead: bool):
    from interviewer.agent.config import SessionConfig
    from interviewer.agent.engine import InterviewEngine
    from interviewer.store import SessionStore

    grader = TimedGrader(inner)
    turn_times: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        store = SessionStore(Path(tmp) / "sessions.sqlite3")
        engine = InterviewEngine(source=source, grader=grader, store=store)
        for s in range(n_sessions):
            session = engine.start(SessionConfig(questions=n_questions, follow_ups=1, seed=s))
            i = 0
            while not session.state.done:
                current = session.state.current
                assert current is not None  # the session is not done
                q = source.get(current.question_id)
                text = realistic_answers(q, i + s)
                if ahead:
                    prepare_ahead(inner, session)
                start = time.perf_counter()
                session.submit(text)
                turn_times.append(time.perf_counter() - start)
                i += 1
    return [t * 1000 for t in turn_times], [t * 1000 for t in grader.times]


def bench_turns(n_sessions: int, n_questions: int, *, stand_in: bool = False) -> None:
    from interviewer.source import InMemorySource

    questions = bundled_questions()
    source = InMemorySource(questions)
    warm_q = next(q for q in questions if q.gradable and q.kind.value == "technical")
    print(f"  cores: {os.cpu_count()}; load average before: {os.getloadavg()[0]:.1f}")
    for ahead, what in (
        (False, "cold (the question's reference embedded during the turn)"),
        (True, "question prepared while the candidate reads (as the chat does)"),
    ):
        # A fresh grader per variant (empty per-question cache); the model is loaded and
        # warm before timing, as it is once the chat's warm-up thread has run.
        inner, label = make_grader(stand_in)
        for _ in range(3):
            inner.grade(warm_q, realistic_answers(warm_q, 0))
        ms, gms = run_sessions(source, inner, n_sessions, n_questions, ahead=ahead)
        print(f"  turn latency, {what}; grader {label}; {len(ms)} turns")
        print(
            f"    answer in -> graded, next question chosen, committed: "
            f"p50 {statistics.median(ms):.1f} ms, p95 {_pct(ms, 0.95):.1f} ms, "
            f"max {max(ms):.1f} ms"
        )
        print(
            f"    of which grading: p50 {statistics.median(gms):.1f} ms, "
            f"p95 {_pct(gms, 0.95):.1f} ms"
        )


def bench_startup(runs: int) -> None:
    exe = Path(sys.executable).with_name("interviewer")
    if not exe.exists():
        print("  startup: skipped (the `interviewer` script is not installed)")
        return
    with tempfile.TemporaryDirectory() as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith("INTERVIEWER_")}
        env["INTERVIEWER_DATA_DIR"] = tmp
        t0 = time.perf_counter()
        done = subprocess.run(
            [str(exe), "ingest", str(REPO / "bank"), "--quiet"],
            env=env,
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            print(f"  startup: skipped, ingest failed: {done.stderr.strip()[-300:]}")
            return
        built = time.perf_counter() - t0
        print(f"  (built a temporary index of the bundled bank in {built:.0f} s)")
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            proc = subprocess.Popen(
                [str(exe), "chat", "-n", "1"],
                env={**env, "PYTHONUNBUFFERED": "1"},
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            first = None
            assert proc.stdout is not None
            for line in proc.stdout:
                if line.startswith("Question 1 of"):
                    first = time.perf_counter() - start
                    break
            proc.stdin.write("/end\n")  # type: ignore[union-attr]
            proc.stdin.close()  # type: ignore[union-attr]
            proc.stdout.read()
            proc.wait(120)
            if first is None:
                print("  startup: the first question never appeared")
                return
            times.append(first)
    print(
        f"  startup to first question ({runs} runs, existing index): "
        f"median {statistics.median(times):.2f} s, max {max(times):.2f} s"
    )


def bench_llm_cost(n_questions: int) -> None:
    from interviewer.agent.config import SessionConfig
    from interviewer.agent.engine import InterviewEngine
    from interviewer.agent.lines import LLMLineWriter
    from interviewer.agent.phrasing import LLMPhraser
    from interviewer.grading import FallbackGrader
    from interviewer.grading.llm import LLMGrader
    from interviewer.source import InMemorySource
    from interviewer.store import SessionStore
    from tests.agent_fakes import KeywordGrader
    from tests.fake_port import FakeChatPort

    questions = bundled_questions()
    source = InMemorySource(questions)
    chat = FakeChatPort("fake")
    line_chat = FakeChatPort("fake").enqueue("That is the end of our session. Thank you.")
    grader = FallbackGrader(LLMGrader(chat, support=AcceptFoundQuotes()), KeywordGrader())
    with tempfile.TemporaryDirectory() as tmp:
        engine = InterviewEngine(
            source=source,
            grader=grader,
            store=SessionStore(Path(tmp) / "s.sqlite3"),
            phraser=LLMPhraser(),
            line_writer=LLMLineWriter(line_chat, timeout=5),
        )
        session = engine.start(SessionConfig(questions=n_questions, follow_ups=1, seed=1))
        answered = 0
        while not session.state.done:
            state = session.state
            rec = state.current
            assert rec is not None  # the session is not done
            criteria = state.criteria_for_answer() or rec.criteria
            answer = realistic_answers(source.get(rec.question_id), answered)
            notes = {
                "acknowledgement": "Thanks, noted.",
                "follow_up_question": "Can you say more about the part you left out?",
                "follow_up_key_point": 2 if len(criteria) > 1 else None,
            }
            chat.enqueue(_scripted_reply(criteria, answer, interviewer=notes))
            session.submit(answer)
            answered += 1
    prompt = [u.input_tokens for u in chat.usage]
    print(
        f"  LLM mode (fake chat model): {answered} answered turns (follow-ups included), "
        f"{len(chat.calls)} grading calls = {len(chat.calls) / answered:.2f} LLM calls per "
        f"answered turn; commands make none; wrap-up line: {len(line_chat.calls)} call per session"
    )
    print(
        f"  prompt tokens per turn (~4 chars/token): mean {statistics.mean(prompt):.0f}, "
        f"max {max(prompt)}; completion mean "
        f"{statistics.mean(u.output_tokens for u in chat.usage):.0f}"
    )
    # One invalid first reply, as a small model writes it: the re-ask's prompt size.
    question = next(q for q in questions if q.gradable and q.kind.value == "technical")
    answer = realistic_answers(question, 1)
    invalid = "Sure! I would say the answer covers most points, about a 3 out of 5. " * 8
    reask_chat = FakeChatPort("fake").enqueue(invalid, _scripted_reply(question.criteria, answer))
    LLMGrader(reask_chat, support=AcceptFoundQuotes()).grade(question, answer)
    first, second = (u.input_tokens for u in reask_chat.usage)
    print(f"  a grading prompt and its re-ask (~4 chars/token): {first} and {second} tokens")


class AcceptFoundQuotes:
    """The support check stand-in: this benchmark counts tokens, not evidence."""

    name = "found-quote (benchmark stand-in)"

    def supports(self, question, key_point, quote) -> bool:
        return True


def _scripted_reply(criteria, answer: str, interviewer: dict[str, Any] | None = None) -> str:
    """A grader's JSON reply: the first point covered (quoting the answer's first six words),
    the others missed; with `interviewer`, the notes an LLM grader adds for the next turn."""
    quote = " ".join(answer.split()[:6])
    reply: dict[str, Any] = {
        "feedback": "Covers the first point only.",
        "key_points": [
            {
                "key_point": i,
                "verdict": "covered" if i == 1 else "missed",
                "evidence": quote if i == 1 else None,
            }
            for i in range(1, len(criteria) + 1)
        ],
    }
    if interviewer is not None:
        reply["interviewer"] = interviewer
    return json.dumps(reply)


def small_model_replies(body: str) -> list[str]:
    """First replies shaped like a small local model's, around one valid JSON object."""
    return [
        body,
        "Sure! Here is the grading:\n" + body,
        "```json\n" + body + "\n```",
        body + "\nLet me know if you want more detail!",
        "Grading {as requested}:\n" + body,
        body + "\nOverall I would say {3/5}.",
        "The answer explains the first point but misses the rest. I would give it 3/5.",
        body[: len(body) // 2],  # stopped half-way
    ]


def bench_first_replies() -> None:
    """How many first replies parse, on a constrained server and on one without JSON mode."""
    from interviewer.grading import FallbackGrader
    from interviewer.grading.llm import make_llm_grader
    from tests.agent_fakes import KeywordGrader
    from tests.fake_openai_server import FakeOpenAIServer, ServerProfile

    questions = [q for q in bundled_questions() if q.gradable and q.kind.value == "technical"]
    question = questions[0]
    answer = realistic_answers(question, 0)
    replies = small_model_replies(_scripted_reply(question.criteria, answer))
    for label, profile in (
        ("llama.cpp profile, json_object (grammar-constrained)", ServerProfile.llama_cpp()),
        ("a server that refuses JSON mode", ServerProfile.no_json_mode()),
    ):
        with tempfile.TemporaryDirectory() as tmp, FakeOpenAIServer(profile) as server:
            settings = server.settings(tmp, llm_max_retries=0)
            grader = FallbackGrader(
                make_llm_grader(settings, sleep=lambda s: None, support=AcceptFoundQuotes()),
                KeywordGrader(),
            )
            parsed = 0
            for reply in replies:
                before = len(server.chat_requests)
                # The first reply as scripted; a re-ask (if any) gets a clean one.
                server.enqueue(reply, _scripted_reply(question.criteria, answer))
                grader.grade(question, answer)
                # A re-ask carries the invalid reply back as an assistant message.
                reasked = any(
                    m["role"] == "assistant"
                    for r in server.chat_requests[before:]
                    for m in r.messages
                )
                parsed += not reasked
                while server.remaining:  # the unused clean reply
                    server._next()
        print(f"  first replies that parse, {label}: {parsed} of {len(replies)}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--questions", type=int, default=8)
    parser.add_argument("--startup-runs", type=int, default=3)
    parser.add_argument("--skip-startup", action="store_true")
    parser.add_argument(
        "--stand-in", action="store_true", help="Time the engine with a trivial grader."
    )
    args = parser.parse_args(argv)
    bench_turns(args.sessions, args.questions, stand_in=args.stand_in)
    bench_llm_cost(args.questions)
    bench_first_replies()
    if not args.skip_startup:
        bench_startup(args.startup_runs)


if __name__ == "__main__":
    main()
