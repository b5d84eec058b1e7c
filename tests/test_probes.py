"""Authored follow-up probes in Q&A files, aligned with the key points (probes[i] -> point i)."""

from __future__ import annotations

import pytest

from ingest import BankFormatError, parse_file

HEAD = "## Q1: When would you use one-hot encoding rather than ordinal encoding?\n\n**Answer**:\n\nOne-hot suits nominal variables; ordinal encoding suits ordered ones.\n\n"


def parse(tmp_path, body: str):
    path = tmp_path / "probes.md"
    path.write_text(HEAD + body)
    return parse_file(path)[0].reference


def test_sub_bullets_under_a_key_point_are_its_probes(tmp_path):
    ref = parse(
        tmp_path,
        "**Key points**:\n"
        "- One-hot suits nominal variables; ordinal encoding suits ordered ones.\n"
        "  - Follow-up: What goes wrong if you label-encode colours for a linear model?\n"
        "  - Probe: And for a tree-based model?\n"
        "- One-hot gets wide with many levels.\n"
        "- Target encoding needs out-of-fold means\n  to avoid leakage.\n"
        "  - Follow-ups: How would you encode a column\n    with 10,000 levels?\n",
    )
    assert ref.key_points == [
        "One-hot suits nominal variables; ordinal encoding suits ordered ones.",
        "One-hot gets wide with many levels.",
        "Target encoding needs out-of-fold means to avoid leakage.",
    ]
    assert ref.probes == [
        [
            "What goes wrong if you label-encode colours for a linear model?",
            "And for a tree-based model?",
        ],
        [],
        ["How would you encode a column with 10,000 levels?"],
    ]
    assert ref.probes_for(1) == [] and ref.probes_for(2)[0].startswith("How would")


def test_a_follow_ups_list_is_aligned_by_position(tmp_path):
    ref = parse(
        tmp_path,
        "**Key points**:\n- Nominal: one-hot.\n- Ordinal: ordered integers.\n- Trees cope with either.\n\n"
        "**Follow-ups**:\n- What goes wrong if you label-encode colours for a linear model?\n"
        "- none\n- Follow-up: Why do trees cope?\n  - And what about high cardinality?\n",
    )
    assert ref.key_points == [
        "Nominal: one-hot.",
        "Ordinal: ordered integers.",
        "Trees cope with either.",
    ]
    assert ref.probes == [
        ["What goes wrong if you label-encode colours for a linear model?"],
        [],
        ["Why do trees cope?", "And what about high cardinality?"],
    ]
    assert "Follow-ups" not in " ".join(ref.key_points)  # the marker no longer leaks in


def test_both_spellings_together_merge_per_key_point(tmp_path):
    ref = parse(
        tmp_path,
        "**Key points**:\n- Nominal: one-hot.\n  - Follow-up: Why not integers?\n- Ordinal: integers.\n\n"
        "**Follow-ups**:\n- And for trees?\n",
    )
    assert ref.probes == [["Why not integers?", "And for trees?"], []]


def test_without_probes_the_list_stays_empty(tmp_path):
    ref = parse(
        tmp_path, "**Key points**:\n- Nominal: one-hot.\n  - a nested point stays a point\n"
    )
    assert ref.probes == []
    assert ref.key_points == ["Nominal: one-hot.", "a nested point stays a point"]


def test_more_follow_ups_than_key_points_is_an_error_naming_the_line(tmp_path):
    with pytest.raises(
        BankFormatError,
        match="at most one `- ` bullet under `\\*\\*Follow-ups\\*\\*:` per key point",
    ) as info:
        parse(tmp_path, "**Key points**:\n- One point.\n\n**Follow-ups**:\n- First?\n- Second?\n")
    assert info.value.line == 10  # the `**Follow-ups**:` line
