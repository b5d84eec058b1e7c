"""The dev view's comparison table (the grading itself is the harness, tested elsewhere)."""

from __future__ import annotations

import json

import pytest

from eval import dev_view

RESULT = {
    "dev.csv": {
        "spearman": 0.9,
        "mae": 0.6,
        "pair_order": 0.95,
        "good_answers": 40,
        "good_with_contradiction": 7,
        "kinds": {"wrong_vocab": {"n": 5, "grader_mean": 1.2, "human_mean": 0.6}},
    },
    "semeval_reserved": {"scients": {"n": 10, "two_way": 0.7, "three_way": 0.5}},
    "drill": {"land": 0.9, "false_credit": 0.1},
    "support_quotes_dev": {"kept": 0.775, "contradicts rejected": 0.962},
}


def test_flatten_names_every_figure_worth_comparing() -> None:
    flat = dev_view.flatten(RESULT)
    assert flat["dev.csv spearman"] == 0.9
    assert flat["dev.csv good answers marked contradicted"] == 7
    assert flat["dev.csv mean: wrong_vocab"] == 1.2
    assert flat["semeval reserved scients 3-way F1"] == 0.5
    assert flat["followups_dev false_credit"] == 0.1
    assert flat["support quotes (dev) contradicts rejected"] == 0.962


def test_a_skipped_semeval_view_is_left_out() -> None:
    flat = dev_view.flatten({**RESULT, "semeval_reserved": {"skipped": "absent"}})
    assert not any(k.startswith("semeval") for k in flat)


def test_render_shows_the_change_against_a_saved_run() -> None:
    before = dev_view.flatten(RESULT)
    now = {**before, "dev.csv spearman": 0.95}
    line = next(x for x in dev_view.render(now, before).splitlines() if "spearman" in x)
    assert "0.950" in line and "was    0.900" in line and "(+0.050)" in line


def test_compare_with_a_missing_file_names_the_fix(tmp_path, capsys) -> None:
    with pytest.raises(SystemExit):
        dev_view.main(["--compare", str(tmp_path / "nope.json")])
    assert "make it with --save first" in capsys.readouterr().err


def test_saved_figures_round_trip(tmp_path) -> None:
    path = tmp_path / "a.json"
    path.write_text(json.dumps(RESULT), encoding="utf-8")
    assert dev_view.flatten(json.loads(path.read_text())) == dev_view.flatten(RESULT)


def test_the_public_bank_dev_set_is_compared_like_the_others() -> None:
    flat = dev_view.flatten({**RESULT, "public_dev.csv": RESULT["dev.csv"]})
    assert flat["public_dev.csv spearman"] == 0.9
    assert flat["public_dev.csv mean: wrong_vocab"] == 1.2
