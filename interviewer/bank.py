"""The question bank in Chroma: an adapter around two collections.

- `questions`: one record per question; the document is the question text (what is embedded),
  the metadata holds filterable fields plus the whole Question as JSON (`payload`).
- `answers`: answer sections of answered questions, embedded for retrieving references for
  questions that arrive without one.

Embedded Chroma (PersistentClient) by default; a Chroma server when host and port are set.
Our local MiniLM embedding function is always passed: Chroma's default one downloads a model.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from interviewer.embedding import embed_query, encode, make_chroma_embedding_function
from interviewer.models import Difficulty, Question, QuestionKind, ReferenceOrigin
from interviewer.settings import ChromaMode, Settings
from interviewer.source import SearchHit

QUESTIONS = "questions"
ANSWERS = "answers"


class BankUnavailable(RuntimeError):
    """Chroma could not be opened or reached."""


@dataclass(frozen=True)
class Passage:
    """An answer section that can serve as a retrieved reference."""

    id: str
    question_id: str
    source: str
    text: str


@dataclass(frozen=True)
class StoredFile:
    """What the bank holds for one bank file."""

    label: str  # the `source` its questions carry
    file_sha: str | None
    questions: int


@dataclass(frozen=True)
class BankStats:
    questions: int
    with_reference: int
    categories: dict[str, int]
    by_origin: dict[str, int]
    sources: dict[str, int]

    def as_json(self) -> dict[str, Any]:
        """Every field by name (what `interviewer bank stats --json` prints)."""
        return asdict(self)


def _where(**conditions: Any) -> dict[str, Any] | None:
    """Chroma `where` from keyword conditions, dropping Nones; lists become `$in`."""
    parts = []
    for key, value in conditions.items():
        if value is None or value == []:
            continue
        if isinstance(value, list | tuple | set):
            parts.append({key: {"$in": list(value)}})
        else:
            parts.append({key: value})
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else {"$and": parts}


def question_metadata(question: Question, *, content_hash: str, file_sha: str, path: str) -> dict:
    """Flat metadata Chroma can filter on, plus the full question as JSON."""
    return {
        "category": question.category,
        "difficulty": question.difficulty.value,
        "kind": question.kind.value,
        "source": question.source,
        "path": path,
        "line": question.line,
        "origin": question.reference.origin.value,
        "answered": question.reference.origin is ReferenceOrigin.authored,
        "gradable": question.gradable,
        "content_hash": content_hash,
        "file_sha": file_sha,
        "payload": question.model_dump_json(),
    }


class ChromaBank:
    """QuestionSource over Chroma, plus the write operations ingest needs."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        try:
            import chromadb

            if settings.chroma_mode is ChromaMode.server:
                self.client = chromadb.HttpClient(
                    host=settings.chroma_host or "localhost", port=settings.chroma_port or 8000
                )
            else:
                settings.chroma_dir.mkdir(parents=True, exist_ok=True)
                self.client = chromadb.PersistentClient(path=str(settings.chroma_dir))
        except Exception as exc:
            where = (
                f"the Chroma server at {settings.chroma_host}:{settings.chroma_port}"
                if settings.chroma_mode is ChromaMode.server
                else f"the Chroma store in {settings.chroma_dir}"
            )
            raise BankUnavailable(
                f"Could not open {where}: {exc}. Fix: check INTERVIEWER_CHROMA_HOST/PORT, or "
                "unset them to use the embedded store in INTERVIEWER_DATA_DIR."
            ) from exc
        ef = make_chroma_embedding_function(settings.embedding_model)
        config: Any = {"hnsw": {"space": "cosine"}}
        # Chroma's typed results are unions (metadata values may be any scalar); this module is
        # the one place that knows what we store, so the collections are used untyped here.
        self.questions: Any = self.client.get_or_create_collection(
            QUESTIONS, embedding_function=ef, configuration=config
        )
        self.answers: Any = self.client.get_or_create_collection(
            ANSWERS, embedding_function=ef, configuration=config
        )

    # ---- reading -------------------------------------------------------------------------

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        return encode(texts, model=self.settings.embedding_model)

    def count(self) -> int:
        return self.questions.count()

    def get(self, question_id: str) -> Question | None:
        found = self.questions.get(ids=[question_id], include=["metadatas"])
        if not found["ids"]:
            return None
        return Question.model_validate_json(found["metadatas"][0]["payload"])

    def get_many(self, ids: Sequence[str]) -> list[Question]:
        if not ids:
            return []
        found = self.questions.get(ids=list(ids), include=["metadatas"])
        by_id = {
            i: Question.model_validate_json(m["payload"])
            for i, m in zip(found["ids"], found["metadatas"], strict=True)
        }
        return [by_id[i] for i in ids if i in by_id]

    def list(
        self,
        *,
        categories: Sequence[str] | None = None,
        difficulty: Difficulty | None = None,
        source: str | None = None,
    ) -> builtins.list[Question]:
        where = _where(
            category=list(categories) if categories else None,
            difficulty=difficulty.value if difficulty else None,
            source=source,
        )
        found = self.questions.get(where=where, include=["metadatas"])
        questions = [Question.model_validate_json(m["payload"]) for m in found["metadatas"]]
        return sorted(questions, key=lambda q: (q.category, q.source, q.line))

    def search(
        self, text: str, *, k: int = 5, categories: Sequence[str] | None = None
    ) -> builtins.list[SearchHit]:
        # No count() first: it scans the collection (ms at 100k questions), and Chroma
        # already returns fewer than k results, or none, when the bank is small or empty.
        vector = embed_query(text, model=self.settings.embedding_model)
        result = self.questions.query(
            query_embeddings=vector,
            n_results=k,
            where=_where(category=list(categories) if categories else None),
            include=["metadatas", "distances"],
        )
        return [
            SearchHit(Question.model_validate_json(m["payload"]), 1.0 - float(d))
            for m, d in zip(result["metadatas"][0], result["distances"][0], strict=True)
        ]

    def _metadatas(self, where: dict | None = None) -> builtins.list[dict[str, Any]]:
        found = self.questions.get(where=where, include=["metadatas"])
        return list(found["metadatas"])

    def categories(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for meta in self._metadatas():
            counts[meta["category"]] = counts.get(meta["category"], 0) + 1
        return dict(sorted(counts.items()))

    def stats(self) -> BankStats:
        metas = self._metadatas()
        categories: dict[str, int] = {}
        origins: dict[str, int] = {}
        sources: dict[str, int] = {}
        with_reference = 0
        for meta in metas:
            categories[meta["category"]] = categories.get(meta["category"], 0) + 1
            origin = "rubric" if meta["kind"] == QuestionKind.behavioural.value else meta["origin"]
            origins[origin] = origins.get(origin, 0) + 1
            sources[meta["source"]] = sources.get(meta["source"], 0) + 1
            with_reference += bool(meta["gradable"])
        return BankStats(
            questions=len(metas),
            with_reference=with_reference,
            categories=dict(sorted(categories.items())),
            by_origin=dict(sorted(origins.items())),
            sources=dict(sorted(sources.items())),
        )

    # ---- what ingest needs -------------------------------------------------------------------

    def stored_files(self) -> dict[str, StoredFile]:
        """{resolved path: what is stored for that file}: how ingest tells files apart.

        A file is its path, not its bare name: two `notes.md` in different folders are two
        files (see ingest.identity for the labels their questions carry).
        """
        files: dict[str, StoredFile] = {}
        for meta in self._metadatas():
            path = meta.get("path") or meta["source"]
            found = files.get(path)
            files[path] = StoredFile(
                meta["source"], meta.get("file_sha"), (found.questions if found else 0) + 1
            )
        return files

    def file_state(self, path: str) -> tuple[str | None, dict[str, str]]:
        """(file sha, {question id: content hash}) of what is stored for the file at `path`."""
        found = self.questions.get(where={"path": path}, include=["metadatas"])
        hashes = {
            i: m["content_hash"] for i, m in zip(found["ids"], found["metadatas"], strict=True)
        }
        metas = found["metadatas"]
        return (metas[0]["file_sha"] if metas else None), hashes

    def set_file_state(self, path: str, file_sha: str, *, new_path: str | None = None) -> None:
        """Record that the file at `path` is at `file_sha` (and, when it moved, at `new_path`),
        without re-embedding its questions."""
        found = self.questions.get(where={"path": path}, include=["metadatas"])
        if not found["ids"]:
            return
        update = {"file_sha": file_sha, "path": new_path or path}
        metas = [{**m, **update} for m in found["metadatas"]]
        self.questions.update(ids=found["ids"], metadatas=metas)

    def upsert_questions(
        self, questions: Sequence[Question], embeddings: np.ndarray, metadatas: Sequence[dict]
    ) -> None:
        batch = self._batch_size()
        for start in range(0, len(questions), batch):
            end = start + batch
            self.questions.upsert(
                ids=[q.id for q in questions[start:end]],
                documents=[q.text for q in questions[start:end]],
                embeddings=embeddings[start:end],
                metadatas=list(metadatas[start:end]),
            )

    def update_questions(self, questions: Sequence[Question]) -> None:
        """Rewrite payloads (e.g. a retrieved reference) without touching embeddings."""
        if not questions:
            return
        found = self.questions.get(ids=[q.id for q in questions], include=["metadatas"])
        current = dict(zip(found["ids"], found["metadatas"], strict=True))
        ids, metas = [], []
        for q in questions:
            if q.id in current:
                meta = dict(current[q.id])
                meta.update(
                    payload=q.model_dump_json(),
                    origin=q.reference.origin.value,
                    gradable=q.gradable,
                )
                ids.append(q.id)
                metas.append(meta)
        if ids:
            self.questions.update(ids=ids, metadatas=metas)

    def delete_questions(self, ids: Iterable[str]) -> None:
        ids = list(ids)
        if ids:
            self.questions.delete(ids=ids)
            self.answers.delete(where={"question_id": {"$in": ids}})

    def question_embeddings(self, ids: Sequence[str]) -> dict[str, np.ndarray]:
        if not ids:
            return {}
        found = self.questions.get(ids=list(ids), include=["embeddings"])
        return {
            i: np.asarray(e, dtype=np.float32)
            for i, e in zip(found["ids"], found["embeddings"], strict=True)
        }

    def ids_needing_reference(self) -> builtins.list[str]:
        """Technical questions whose reference is missing or was retrieved (may improve)."""
        found = self.questions.get(
            where=_where(kind=QuestionKind.technical.value, answered=False), include=[]
        )
        return list(found["ids"])

    def replace_passages(
        self, question_ids: Sequence[str], passages: Sequence[Passage], embeddings: np.ndarray
    ) -> None:
        if question_ids:
            self.answers.delete(where={"question_id": {"$in": list(question_ids)}})
        batch = self._batch_size()
        for start in range(0, len(passages), batch):
            chunk = passages[start : start + batch]
            self.answers.upsert(
                ids=[p.id for p in chunk],
                documents=[p.text for p in chunk],
                embeddings=embeddings[start : start + batch],
                metadatas=[{"question_id": p.question_id, "source": p.source} for p in chunk],
            )

    def nearest_answered(self, vectors: np.ndarray) -> builtins.list[tuple[str, float] | None]:
        """For each vector, the closest answered question (id, cosine), or None if none exist."""
        answered = self.questions.get(where={"answered": True}, include=[], limit=1)
        if not answered["ids"] or len(vectors) == 0:
            return [None] * len(vectors)
        result = self.questions.query(
            query_embeddings=vectors, n_results=1, where={"answered": True}, include=["distances"]
        )
        return [
            (ids[0], 1.0 - float(dist[0])) if ids else None
            for ids, dist in zip(result["ids"], result["distances"], strict=True)
        ]

    def nearest_passage(self, vectors: np.ndarray) -> builtins.list[tuple[Passage, float] | None]:
        if self.answers.count() == 0 or len(vectors) == 0:
            return [None] * len(vectors)
        result = self.answers.query(
            query_embeddings=vectors, n_results=1, include=["documents", "metadatas", "distances"]
        )
        out: builtins.list[tuple[Passage, float] | None] = []
        for ids, docs, metas, dists in zip(
            result["ids"],
            result["documents"],
            result["metadatas"],
            result["distances"],
            strict=True,
        ):
            if not ids:
                out.append(None)
                continue
            meta = metas[0]
            passage = Passage(ids[0], meta["question_id"], meta["source"], docs[0])
            out.append((passage, 1.0 - float(dists[0])))
        return out

    def _batch_size(self) -> int:
        try:
            return max(1, min(int(self.client.get_max_batch_size()), 4000))
        except Exception:  # older servers do not report it
            return 1000
