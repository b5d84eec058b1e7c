"""What the interviewer says: follow-ups that never give the answer away, checked LLM words."""

from __future__ import annotations

from pathlib import Path

import pytest

from interviewer.agent.config import Mode
from interviewer.agent.phrasing import (
    LLMPhraser,
    TemplatePhraser,
    template_follow_up,
    template_hint,
    valid_acknowledgement,
)
from interviewer.agent.state import QuestionRecord
from interviewer.agent.wording import leaks_claim, normalise, topic_phrases
from interviewer.models import Grade, InterviewerNotes, KeyPointVerdict, Question, Verdict
from tests.agent_fakes import sample_questions

BANK_DIR = Path(__file__).resolve().parent.parent / "bank"


def record(q: Question) -> QuestionRecord:
    return QuestionRecord(
        question_id=q.id,
        text=q.text,
        category=q.category,
        difficulty=q.difficulty,
        kind=q.kind.value,
        criteria=q.criteria,
        asked_at=0,
    )


def all_key_points() -> list[tuple[Question, str]]:
    """Every key point of the test bank, plus the bundled bank's when it can be parsed."""
    qs = sample_questions()
    try:
        from ingest import parse_file  # the lead's parser; optional here

        for path in sorted(BANK_DIR.glob("*.md")):
            qs += parse_file(path)
    except Exception:
        pass
    return [(q, kp) for q in qs if q.gradable for kp in q.criteria]


def _four_word_runs(text: str) -> set[tuple[str, ...]]:
    words = normalise(text).replace(",", " ").replace(".", " ").split()
    return {tuple(words[i : i + 4]) for i in range(len(words) - 3)}


@pytest.mark.parametrize(("q", "kp"), all_key_points())
def test_follow_up_never_contains_the_claim(q, kp):
    text = template_follow_up(record(q), kp)
    assert normalise(kp).rstrip(".") not in normalise(text)
    # Not even four words of the claim in a row.
    assert not (_four_word_runs(kp) & _four_word_runs(text)), text
    assert not leaks_claim(text, kp, question=q.text)
    assert text.endswith("?")


def test_follow_up_names_the_topic_of_the_missed_point():
    q = sample_questions()[0]
    kp = q.criteria[1]  # "Boosting trains learners sequentially ... reduces bias."
    text = template_follow_up(record(q), kp)
    assert "boosting" in text.lower()
    assert "sequentially" not in text.lower()  # the claim's content stays out


def test_behavioural_follow_ups_name_the_rubric_dimension():
    q = next(q for q in sample_questions() if q.kind.value == "behavioural")
    texts = [template_follow_up(record(q), c) for c in q.criteria]
    assert "in order" in texts[0]
    assert "specific" in texts[1]
    assert "result" in texts[2]


def test_hint_is_a_nudge_not_the_claim():
    for q, kp in all_key_points():
        hint = template_hint(record(q), kp)
        assert hint.startswith("Hint:")
        assert normalise(kp).rstrip(".") not in normalise(hint)


def test_topic_phrases_drop_claim_words():
    phrases = topic_phrases(
        "Bagging trains learners independently on bootstrap samples and averages them, "
        "which mainly reduces variance."
    )
    joined = " ".join(phrases).lower()
    for claim_word in ("trains", "independently", "averages", "mainly", "reduces"):
        assert claim_word not in joined
    assert "bootstrap samples" in joined


def test_leak_detection():
    claim = "Bagging trains learners independently on bootstrap samples and reduces variance."
    q = "Explain bagging and boosting."
    assert leaks_claim(
        "Right: bagging trains learners independently, which helps.", claim, question=q
    )
    assert leaks_claim(
        "So you'd say learners on bootstrap samples reduce variance?", claim, question=q
    )
    assert not leaks_claim("How do bagging and variance fit together here?", claim, question=q)
    assert not leaks_claim("Thanks, got it.", claim, question=q)


def _grade(q, ack=None, fq=None, fkp=None, verdicts=("covered", "missed", "missed")):
    return Grade(
        score=1.7,
        verdicts=[
            KeyPointVerdict(key_point=p, verdict=Verdict(v))
            for p, v in zip(q.criteria, verdicts, strict=False)
        ],
        grader="gpt-test",
        notes=InterviewerNotes(acknowledgement=ack, follow_up_question=fq, follow_up_key_point=fkp),
    )


def test_llm_acknowledgement_used_when_neutral():
    q = sample_questions()[0]
    p = LLMPhraser()
    text = p.acknowledgement(
        record(q), _grade(q, ack="Thanks for walking me through that."), Mode.interview
    )
    assert text == "Thanks for walking me through that."
    assert p.rejected == []


def test_llm_acknowledgement_that_leaks_a_key_point_falls_back_to_template():
    q = sample_questions()[0]
    p = LLMPhraser()
    leaky = "Noted. Boosting trains learners sequentially on the errors, which reduces bias."
    text = p.acknowledgement(record(q), _grade(q, ack=leaky), Mode.interview)
    assert text != leaky
    assert text in {"Thank you.", "Okay, noted.", "Thanks, got it.", "All right, thank you."}
    assert p.rejected == ["acknowledgement"]


def test_llm_acknowledgement_that_judges_is_rejected_in_interview_mode():
    q = sample_questions()[0]
    rec = record(q)
    assert not valid_acknowledgement("Great answer, exactly right!", rec, Mode.interview)
    assert valid_acknowledgement("Great, thanks.", rec, Mode.practice)


def test_llm_follow_up_used_when_it_targets_the_chosen_missed_point():
    q = sample_questions()[0]
    fq = "How would you compare the two methods in terms of the error they mainly attack?"
    text = LLMPhraser().follow_up(record(q), _grade(q, fq=fq, fkp=q.criteria[1]), q.criteria[1])
    assert text == fq


def test_llm_follow_up_rejected_when_it_gives_the_answer_away():
    q = sample_questions()[0]
    leaky = "Isn't it true that boosting trains learners sequentially, which reduces bias?"
    p = LLMPhraser()
    text = p.follow_up(record(q), _grade(q, fq=leaky, fkp=q.criteria[1]), q.criteria[1])
    assert text != leaky
    assert text == template_follow_up(record(q), q.criteria[1])
    assert p.rejected == ["follow_up"]


def test_llm_follow_up_rejected_when_it_targets_another_point():
    q = sample_questions()[0]
    p = LLMPhraser()
    text = p.follow_up(
        record(q), _grade(q, fq="What about random forests?", fkp=q.criteria[2]), q.criteria[1]
    )
    assert text == template_follow_up(record(q), q.criteria[1])


def test_template_phraser_is_deterministic():
    q = sample_questions()[0]
    a = TemplatePhraser().follow_up(record(q), _grade(q), q.criteria[1])
    b = TemplatePhraser().follow_up(record(q), _grade(q), q.criteria[1])
    assert a == b


@pytest.mark.parametrize(
    ("key_point", "question", "expected", "unwanted"),
    [
        # Seen in sessions: a verb glued to the topic ("learning curves diagnose").
        (
            "Learning curves diagnose it: both errors high means bias; a large train-validation gap means variance.",
            "What is the bias-variance tradeoff?",
            "learning curves",
            "diagnose",
        ),
        (
            "CNNs slide small learned filters over the input (local connectivity).",
            "What are CNNs?",
            "CNNs",
            "slide",
        ),
        # An acronym is a name even when its letters spell a claim word ("map").
        (
            "With little data MAP is pulled towards the prior; as data grows, MAP converges to MLE.",
            "How do MLE and MAP differ?",
            "MAP",
            "pulled",
        ),
    ],
)
def test_follow_up_topics_are_nouns_not_verbs(key_point, question, expected, unwanted):
    q = Question.create(question, "t.md", category="c", line=1)
    rec = QuestionRecord(
        question_id=q.id, text=question, category="c", difficulty="medium", asked_at=0
    )
    text = template_follow_up(rec, key_point)
    assert expected in text
    assert unwanted not in text.lower()


def test_follow_up_verbs_agree_with_the_topic():
    from interviewer.agent.phrasing import plural, verb_slots

    assert plural("local neighbourhoods") and plural("SVMs")
    assert not any(plural(p) for p in ("loss", "naive Bayes", "analysis", "momentum"))
    assert verb_slots("error terms")["a_does"] == "do"
    assert verb_slots("momentum", "SVMs")["b_it"] == "they"
