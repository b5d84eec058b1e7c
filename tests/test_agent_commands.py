"""Candidate commands: slash commands always count; plain words only as the whole input."""

from __future__ import annotations

import pytest

from interviewer.agent.commands import Command, parse_input


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("/hint", Command.hint),
        ("/HINT", Command.hint),
        ("  /skip  ", Command.skip),
        ("/next", Command.skip),
        ("/repeat", Command.repeat),
        ("/idk", Command.idk),
        ("/end", Command.end),
        ("/quit", Command.end),
        ("/help", Command.help),
        ("/skip this one please", Command.skip),
    ],
)
def test_slash_commands(text, command):
    assert parse_input(text).command is command


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("hint", Command.hint),
        ("Can I get a hint?", Command.hint),
        ("hint please", Command.hint),
        ("skip", Command.skip),
        ("Skip.", Command.skip),
        ("please skip this one", Command.skip),
        ("next question", Command.skip),
        ("repeat the question", Command.repeat),
        ("Could you repeat that?", Command.repeat),
        ("I don't know", Command.idk),
        ("I don’t know.", Command.idk),
        ("idk", Command.idk),
        ("no idea", Command.idk),
        ("Sorry, I don't know", Command.idk),
        ("end", Command.end),
        ("I'm done", Command.end),
        ("end the interview", Command.end),
    ],
)
def test_plain_word_commands(text, command):
    assert parse_input(text).command is command


@pytest.mark.parametrize(
    "text",
    [
        "You can skip connections in a ResNet so gradients flow through the identity path.",
        "Skip-gram predicts the context words from the centre word.",
        "I don't know the exact formula, but AUC is the probability a positive ranks higher.",
        "The hint of the answer is in the bias-variance trade-off: bagging reduces variance.",
        "We repeat the split recursively until a stopping criterion is met.",
        "At the end, the model averages the predictions.",
        "skip connections",
        "next token prediction",
    ],
)
def test_real_answers_that_contain_command_words_are_answers(text):
    parsed = parse_input(text)
    assert parsed.command is None
    assert parsed.answer == text


def test_unknown_slash_word_shows_help_instead_of_being_graded():
    assert parse_input("/frobnicate").command is Command.help


def test_empty_and_whitespace_are_empty_answers():
    assert parse_input("").is_empty
    assert parse_input("   \t ").is_empty
    assert not parse_input("/skip").is_empty
