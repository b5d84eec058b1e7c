"""The bank page: browse, filter and search the questions; upload markdown files to add more."""

from __future__ import annotations

from typing import Any

import streamlit as st

from ui import resources
from ui.state import escape_markdown

LEVELS = ["any", "easy", "medium", "hard"]


def _reference(q) -> str:
    if q.kind.value == "behavioural":
        return "rubric"
    return q.reference.origin.value


def _row(q, similarity: float | None = None) -> dict:
    row = {
        "question": q.text,
        "category": q.category,
        "difficulty": q.difficulty.value,
        "reference": _reference(q),
        "source": f"{q.source}:{q.line}",
        "id": q.id,
    }
    if similarity is not None:
        row = {"similarity": round(similarity, 3), **row}
    return row


UPLOAD_TYPES = ["md", "markdown", "txt", "csv", "tsv", "tab", "json", "yaml", "yml"]


def _uploader_key() -> str:
    """The uploader's key; a new one after storing empties it (Streamlit cannot clear it)."""
    n = st.session_state.get("bank_upload_round", 0)
    return "bank_upload" if n == 0 else f"bank_upload_{n}"


def _preview(files, columns) -> list:
    """Previews of the chosen files, cached by content so a rerun does not re-read them."""
    import hashlib

    from ui.uploads import preview_uploads

    key = (
        tuple((f.name, hashlib.sha256(f.getvalue()).hexdigest()) for f in files),
        tuple(sorted((columns or {}).items())),
    )
    cached = st.session_state.get("bank_preview")
    if not cached or cached[0] != key:
        cached = (key, preview_uploads([(f.name, f.getvalue()) for f in files], columns))
        st.session_state["bank_preview"] = cached
    return cached[1]


def preview_card(p) -> None:
    """What one upload would store: counts, levels, samples and every skipped block.

    Dataframes show bank text as text; any caption that holds it is escaped first.
    """
    with st.container(border=True):
        if p.error:
            st.error(
                f"{escape_markdown(p.error)}  \nNothing from this file will be stored.",
                icon=":material/error:",
            )
            return
        st.markdown(
            f"**{escape_markdown(p.name)}** · {escape_markdown(p.layout)} · {p.questions} "
            f"questions, {p.with_reference} with a reference, {p.without} without"
        )
        st.caption(" · ".join(f"{level} {n}" for level, n in p.difficulties.items()))
        st.dataframe(
            [
                {
                    "category": c.name,
                    "questions": c.questions,
                    "with reference": c.with_reference,
                    "without": c.without,
                }
                for c in p.categories
            ],
            hide_index=True,
        )
        st.dataframe(
            [
                {"line": x.line, "question": x.text, "answer starts": x.answer_start}
                for x in p.samples
            ],
            hide_index=True,
            column_config={"question": st.column_config.TextColumn(width="large")},
        )
        if p.skipped:
            with st.expander(f"Skipped blocks ({len(p.skipped)}, {len(p.ambiguous)} ambiguous)"):
                st.dataframe(
                    [
                        {
                            "line": x.line,
                            "why": x.reason + (" (ambiguous)" if x.ambiguous else ""),
                            "text": x.excerpt,
                        }
                        for x in p.skipped
                    ],
                    hide_index=True,
                )


def upload_section(bank, s) -> None:
    from ingest.fields import parse_columns
    from ui.uploads import ingest_uploads

    st.subheader("Add questions", divider="gray")
    st.caption(
        "Upload question banks: markdown (questions as headings, bold lines, `Q:`/`A:` pairs, "
        "`<details>` blocks or lists, under topic headings), CSV or TSV with a header row, "
        "Anki plain-text exports, JSON or YAML. You see what would be stored first; nothing is "
        "stored until you press Store."
    )
    files = st.file_uploader(
        "Bank files", type=UPLOAD_TYPES, accept_multiple_files=True, key=_uploader_key()
    )
    with st.expander("Options"):
        spec = st.text_input(
            "Columns (CSV, TSV, JSON, YAML)",
            key="bank_columns",
            placeholder="question=Front,answer=Back,category=Deck",
            help="Only needed when the header names are not the usual ones.",
        )
        strict = st.toggle(
            "Strict: store nothing if any block is ambiguous", key="bank_strict", value=False
        )
    try:
        columns = parse_columns(spec)
    except ValueError as exc:
        st.error(escape_markdown(str(exc)), icon=":material/error:")
        return
    if files:
        previews = _preview(files, columns)
        for p in previews:
            preview_card(p)
        storable = [p for p in previews if not p.error]
        blocked = strict and any(p.ambiguous for p in storable)
        if blocked:
            st.warning(
                "Strict is on and some blocks are ambiguous: nothing would be stored.",
                icon=":material/warning:",
            )
        total = sum(p.questions for p in storable)
        if storable and st.button(
            f"Store {total} questions from {len(storable)} file(s)",
            type="primary",
            icon=":material/upload:",
            key="bank_store",
            disabled=blocked,
        ):
            bar = st.progress(0.0, text="Storing…")

            def progress(stage: str, done: int, total: int) -> None:
                bar.progress(
                    min(done / total, 1.0) if total else 1.0, text=f"{stage}: {done}/{total}"
                )

            with st.spinner("Ingesting…"):
                result = ingest_uploads(
                    bank,
                    [(f.name, f.getvalue()) for f in files],
                    s.data_dir / "uploads",
                    progress=progress,
                    strict=strict,
                    columns=columns,
                )
            bar.progress(1.0, text="Done")
            st.session_state["bank_upload_result"] = result
            st.session_state.pop("bank_preview", None)
            if result.accepted:
                st.session_state["bank_upload_round"] = (
                    st.session_state.get("bank_upload_round", 0) + 1
                )
                st.rerun()  # redraw the counts and the table with the new questions
    stored: Any = st.session_state.get("bank_upload_result")
    if stored is None:
        return
    result = stored
    for error in result.errors:
        st.error(
            f"{escape_markdown(error)}  \nNothing from this file was stored.",
            icon=":material/error:",
        )
    if result.report is not None and result.accepted:
        st.success(
            f"Ingested {len(result.accepted)} file(s): "
            f"{escape_markdown(', '.join(result.accepted))}.",
            icon=":material/check_circle:",
        )
        st.dataframe(
            [
                {
                    "file": f.name,
                    "status": f.status,
                    "questions": f.questions,
                    "embedded": f.embedded,
                    "removed": f.deleted,
                    "skipped": len(f.skipped),
                }
                for f in result.report.files
                if f.status != "failed"
            ],
            hide_index=True,
        )


def page() -> None:
    from interviewer.agent import BankUnavailable, Difficulty

    st.title("Question bank")
    s = resources.settings()
    try:
        bank = resources.bank(s)
        stats = bank.stats()
    except BankUnavailable as exc:
        st.error(str(exc), icon=":material/error:")
        return
    cols = st.columns(4)
    cols[0].metric("Questions", stats.questions, border=True)
    cols[1].metric("Gradable", stats.with_reference, border=True)
    cols[2].metric("Categories", len(stats.categories), border=True)
    cols[3].metric("Files", len(stats.sources), border=True)
    if stats.questions and stats.with_reference < stats.questions:
        st.caption(
            f"{stats.questions - stats.with_reference} questions have no reference answer and "
            "are never asked offline: there is nothing honest to grade them against."
        )

    left, mid, right = st.columns([2, 1, 2])
    categories = left.multiselect(
        "Category", list(stats.categories), key="bank_categories", placeholder="All categories"
    )
    level = mid.selectbox("Difficulty", LEVELS, key="bank_level")
    query = right.text_input(
        "Search by meaning", key="bank_query", placeholder="e.g. why does dropout help"
    )
    difficulty = None if level == "any" else Difficulty(level)
    if query.strip():
        with st.spinner("Searching…"):
            hits = bank.search(query, k=50, categories=categories or None)
        rows = [
            _row(h.question, h.similarity)
            for h in hits
            if difficulty is None or h.question.difficulty == difficulty
        ][:20]
    else:
        rows = [_row(q) for q in bank.list(categories=categories or None, difficulty=difficulty)]
    st.caption(f"{len(rows)} question{'s' if len(rows) != 1 else ''}")
    if rows:
        st.dataframe(
            rows,
            hide_index=True,
            width="stretch",
            column_config={
                "question": st.column_config.TextColumn(width="large"),
                "similarity": st.column_config.ProgressColumn(
                    "similarity", min_value=0, max_value=1, format="%.2f"
                ),
            },
        )
        ids = [r["id"] for r in rows]
        texts = {r["id"]: r["question"] for r in rows}
        chosen = st.selectbox(
            "Show a question", ids, format_func=lambda i: texts[i][:120], key="bank_show"
        )
        q = bank.get(chosen) if chosen else None
        if q is not None:
            with st.container(border=True):
                st.markdown(f"**{escape_markdown(q.text)}**")
                st.caption(
                    escape_markdown(
                        f"{q.category} · {q.difficulty.value} · {q.kind.value} · "
                        f"{q.source}:{q.line} · reference: {_reference(q)}"
                    )
                )
                if q.kind.value == "behavioural":
                    st.markdown("\n".join(f"- {escape_markdown(c)}" for c in q.criteria))
                elif q.reference.usable:
                    lines = ["**Key points**"]
                    for index, point in enumerate(q.criteria):
                        lines.append(f"- {escape_markdown(point)}")
                        lines += [
                            f"    - *follow-up:* {escape_markdown(probe)}"
                            for probe in q.reference.probes_for(index)
                        ]
                    st.markdown("\n".join(lines))
                    with st.expander("Reference answer"):
                        st.markdown(q.reference.text)
                else:
                    st.caption("No reference answer: this question is not graded offline.")
    elif stats.questions == 0:
        st.info(
            "The bank is empty. Run `make run` (it ingests the bundled bank) or "
            "`interviewer ingest bank/`, or upload a markdown file below.",
            icon=":material/info:",
        )
    upload_section(bank, s)


page()
