"""The bank page: browse, filter and search the questions; upload markdown files to add more."""

from __future__ import annotations

import streamlit as st

from ui import resources

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


def upload_section(bank, s) -> None:
    from ui.uploads import ingest_uploads

    st.subheader("Add questions", divider="gray")
    st.caption(
        "Upload markdown banks: Q&A documents (`## Q1: ...`, then `**Answer**:` and "
        "`**Key points**:`) or question lists (category headings with `- question` bullets). "
        "A file that does not parse is rejected whole: nothing from it is stored."
    )
    with st.form("upload_form", clear_on_submit=True, border=False):
        files = st.file_uploader(
            "Markdown files",
            type=["md", "markdown", "txt"],
            accept_multiple_files=True,
            key="bank_upload",
        )
        submitted = st.form_submit_button("Ingest", type="primary", icon=":material/upload:")
    if submitted and files:
        bar = st.progress(0.0, text="Checking the files…")

        def progress(stage: str, done: int, total: int) -> None:
            bar.progress(min(done / total, 1.0) if total else 1.0, text=f"{stage}: {done}/{total}")

        with st.spinner("Ingesting…"):
            result = ingest_uploads(
                bank,
                [(f.name, f.getvalue()) for f in files],
                s.data_dir / "uploads",
                progress=progress,
            )
        bar.progress(1.0, text="Done")
        st.session_state["bank_upload_result"] = result
        if result.accepted:
            st.rerun()  # redraw the counts and the table with the new questions
    elif submitted:
        st.warning("Choose at least one markdown file first.", icon=":material/info:")
    result = st.session_state.get("bank_upload_result")
    if result is None:
        return
    for error in result.errors:
        st.error(f"{error}  \nNothing from this file was stored.", icon=":material/error:")
    if result.report is not None and result.accepted:
        st.success(
            f"Ingested {len(result.accepted)} file(s): {', '.join(result.accepted)}.",
            icon=":material/check_circle:",
        )
        st.dataframe(
            [
                {
                    "file": f.path.name,
                    "status": f.status,
                    "questions": f.questions,
                    "embedded": f.embedded,
                    "removed": f.deleted,
                }
                for f in result.report.files
                if f.status != "failed"
            ],
            hide_index=True,
        )


def page() -> None:
    from interviewer.bank import BankUnavailable
    from interviewer.models import Difficulty

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
                st.markdown(f"**{q.text}**")
                st.caption(
                    f"{q.category} · {q.difficulty.value} · {q.kind.value} · "
                    f"{q.source}:{q.line} · reference: {_reference(q)}"
                )
                if q.kind.value == "behavioural":
                    st.markdown("\n".join(f"- {c}" for c in q.criteria))
                elif q.reference.usable:
                    st.markdown("**Key points**\n" + "\n".join(f"- {p}" for p in q.criteria))
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
