"""Follow-up drilling on the bundled bank: are follow-ups authored probes, and do good
follow-up answers land?

    python -m benchmarks.bench_drill            # all three figures
    python -m benchmarks.bench_drill --answers eval/data/answers/followups_dev.csv   # dev
    python -m benchmarks.bench_drill --json

1. Probe share (target >= 95%): one scripted session per technical bank question, with the
   real offline grader. The first answer is the reference's first sentence, which leaves most
   key points open, so the interviewer follows up; the figure is the share of follow-ups whose
   question is an authored probe of the point it targets (a contradicted point's "You said ..."
   prefix allowed).
2. Follow-ups that land (target >= 90%): `eval/data/answers/followups.csv` holds answers to
   160 authored probes, written blind (the writer saw the question and the probe, never the key
   point or the grader). Each is graded as the engine grades a follow-up answer, against its one
   targeted key point, after a first answer that missed it; the figure is the share that move
   the point to covered, with the points it wins back by the report's rule.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
FOLLOW_UP_ANSWERS = REPO / "eval" / "data" / "answers" / "followups.csv"
FALSE_CREDIT_SEED = 5


def technical_questions():
    from ingest import parse_file

    out = []
    for path in sorted((REPO / "bank").glob("*.md")):
        out += [q for q in parse_file(path) if q.kind.value == "technical" and q.gradable]
    return out


def probe_share(grader) -> dict:
    from interviewer.agent import drill
    from interviewer.agent.config import DifficultySetting, SessionConfig
    from interviewer.agent.engine import InterviewEngine
    from interviewer.source import InMemorySource
    from interviewer.store import SessionStore

    asked = authored = 0
    with tempfile.TemporaryDirectory() as tmp:
        store = SessionStore(Path(tmp) / "s.sqlite3")
        for q in technical_questions():
            engine = InterviewEngine(source=InMemorySource([q]), grader=grader, store=store)
            session = engine.start(
                SessionConfig(questions=1, follow_ups=1, difficulty=DifficultySetting.adaptive)
            )
            first_sentence = q.reference.text.split(". ")[0]
            session.submit(first_sentence)
            rec = session.state.records[0]
            for fu in rec.follow_ups:
                asked += 1
                probes = drill.probes_for(rec, fu.key_point)
                authored += any(p in fu.text for p in probes)
    return {"follow_ups": asked, "authored": authored, "share": round(authored / asked, 4)}


def landing_share(grader, path: Path = FOLLOW_UP_ANSWERS) -> dict:
    from interviewer.agent.followup import RECOVERY, point_weight, recovered_points
    from interviewer.models import Grade, KeyPointVerdict, Verdict

    by_text = {q.text: q for q in technical_questions()}
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    covered = partly = 0
    recovered_full = 0
    misses = []
    for row in rows:
        q = by_text[row["question"]]
        points = q.reference.key_points
        first = Grade(
            score=0.0,
            verdicts=[KeyPointVerdict(key_point=p, verdict=Verdict.missed) for p in points],
        )
        grade = grader.grade(q, row["answer"], criteria=[row["key_point"]])
        verdict = grade.verdicts[0].verdict if grade.verdicts else Verdict.missed
        covered += verdict is Verdict.covered
        partly += verdict is Verdict.partly
        won = recovered_points(first, grade, row["key_point"], len(points))
        recovered_full += abs(won - RECOVERY * point_weight(len(points))) < 1e-9
        if verdict is not Verdict.covered:
            misses.append((verdict.value, row["key_point"][:70], row["answer"][:90]))
    n = len(rows)
    return {
        "answers": n,
        "covered": covered,
        "partly": partly,
        "share_covered": round(covered / n, 4),
        "share_full_recovery": round(recovered_full / n, 4),
        "examples_not_covered": misses[:5],
    }


def false_credit_share(grader, path: Path = FOLLOW_UP_ANSWERS) -> dict:
    """Each follow-up answer graded against a point of another question in its category."""
    import random

    from interviewer.models import Verdict

    questions = technical_questions()
    by_text = {q.text: q for q in questions}
    rng = random.Random(FALSE_CREDIT_SEED)
    credited = 0
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    for row in rows:
        q = by_text[row["question"]]
        other = rng.choice([o for o in questions if o.category == q.category and o is not q])
        point = rng.choice(other.reference.key_points)
        grade = grader.grade(q, row["answer"], criteria=[point])
        credited += bool(grade.verdicts) and grade.verdicts[0].verdict is Verdict.covered
    return {"answers": len(rows), "credited": credited, "share": round(credited / len(rows), 4)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--answers",
        type=Path,
        default=FOLLOW_UP_ANSWERS,
        help="follow-up answers (pid, question, key_point, probe, answer); default: the "
        "reported set, eval/data/answers/followups.csv",
    )
    args = parser.parse_args(argv)
    from interviewer.grading import OfflineGrader

    grader = OfflineGrader()
    grader.warm_up()
    result: dict[str, Any] = {
        "answers_file": str(args.answers),
        "probe_share": probe_share(grader),
        "follow_ups_that_land": landing_share(grader, args.answers),
        "false_credit": false_credit_share(grader, args.answers),
    }
    if args.json:
        print(json.dumps(result))
        return
    p, f = result["probe_share"], result["follow_ups_that_land"]
    print(
        f"authored probes: {p['authored']} of {p['follow_ups']} follow-ups "
        f"({p['share']:.1%}; target >= 95%)"
    )
    print(
        f"follow-up answers that move their point to covered: {f['covered']} of {f['answers']} "
        f"({f['share_covered']:.1%}; target >= 90%); partly {f['partly']}; full recovery "
        f"(half the point's share, the report's rule) {f['share_full_recovery']:.1%}"
    )
    c = result["false_credit"]
    print(
        f"the same answers graded against a point of another question in the category, "
        f"marked covered: {c['credited']} of {c['answers']} ({c['share']:.1%}; lower is better)"
    )
    print(f"(follow-up answers: {args.answers})")
    for verdict, point, answer in f["examples_not_covered"]:
        print(f"  not covered ({verdict}): {point} <- {answer}")


if __name__ == "__main__":
    main()
