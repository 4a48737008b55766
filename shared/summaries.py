"""Bucket summaries: the sufficient statistics every analytic is computed from.

A bucket is (survey, day, wave, segment combination). Its summary holds, as exact
integers, the response count, a histogram per question, the histogram of each index's
item sum, and the sums and cross-product sums of the required numeric questions.

Storage and transport use a flat integer vector whose layout follows the survey's
definition (`SummaryLayout`); a bucket row keeps it as little-endian int64 bytes so
that thousands of buckets merge with one numpy sum. `Summary` is the decoded value:
Python ints, merged exactly and associatively.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

LIKERT5_VALUES = (1, 2, 3, 4, 5)
SCALE11_VALUES = tuple(range(11))
NUMERIC_TYPES = ("likert5", "scale11")
VECTOR_DTYPE = np.dtype("<i8")


def question_values(question: Mapping[str, Any]) -> tuple:
    """Return the possible answers of a question in their natural order (empty for text)."""
    qtype = question["type"]
    if qtype == "likert5":
        return LIKERT5_VALUES
    if qtype == "scale11":
        return SCALE11_VALUES
    if qtype == "choice":
        return tuple(question["options"])
    return ()


def is_required(question: Mapping[str, Any]) -> bool:
    """Return whether a question must be answered (text questions default to optional)."""
    return bool(question.get("required", question["type"] != "text"))


class SummaryLayout:
    """Positions of every count in a survey's flat summary vector.

    The vector is, in order: for each non-text question its histogram (one slot per
    possible value); for each index the histogram of item sums k..5k (reverse items
    scored 6 - x); the sums of the variables; the upper triangle (row-major, diagonal
    included) of their cross-product sums. The response count is kept beside it.
    """

    def __init__(self, definition: Mapping[str, Any]):
        questions = definition["questions"]
        self.question_types = {q["key"]: q["type"] for q in questions}
        self.hist_slots: dict[str, tuple[int, tuple]] = {}
        offset = 0
        for q in questions:
            values = question_values(q)
            if values:
                self.hist_slots[q["key"]] = (offset, values)
                offset += len(values)
        reverse = {q["key"]: bool(q.get("reverse", False)) for q in questions}
        self.indices: dict[str, tuple[int, tuple[str, ...], tuple[bool, ...]]] = {}
        for index in definition.get("indices", []):
            items = tuple(index["items"])
            self.indices[index["key"]] = (offset, items, tuple(reverse[i] for i in items))
            offset += 4 * len(items) + 1
        self.variables = tuple(
            q["key"] for q in questions if q["type"] in NUMERIC_TYPES and is_required(q)
        )
        p = len(self.variables)
        self.sums_offset = offset
        self.cross_offset = offset + p
        self.size = self.cross_offset + p * (p + 1) // 2
        self._triu = np.triu_indices(p)

    def part_slots(self, part: str) -> tuple[int, int]:
        """Return (first slot, slot count) of a named part of the vector; ValueError if unknown.

        Parts: `hist:<question>` (a question's histogram), `index:<index>` (the histogram
        of an index's item sums), `moments` (the sums and cross-product sums).
        """
        kind, _, key = part.partition(":")
        if kind == "hist" and key in self.hist_slots:
            offset, values = self.hist_slots[key]
            return offset, len(values)
        if kind == "index" and key in self.indices:
            offset, items, _ = self.indices[key]
            return offset, 4 * len(items) + 1
        if part == "moments":
            return self.sums_offset, self.size - self.sums_offset
        raise ValueError(f"unknown summary part {part!r}")

    def empty(self) -> np.ndarray:
        """Return an all-zero summary vector."""
        return np.zeros(self.size, dtype=VECTOR_DTYPE)

    def encode(self, answers: Mapping[str, Any]) -> np.ndarray:
        """Return the summary vector of one validated response."""
        vec = self.empty()
        for key, (offset, values) in self.hist_slots.items():
            if answers.get(key) is not None:
                vec[offset + values.index(answers[key])] += 1
        for offset, items, reverse in self.indices.values():
            item_sum = sum(6 - answers[i] if rev else answers[i] for i, rev in zip(items, reverse))
            vec[offset + item_sum - len(items)] += 1
        x = np.array([answers[v] for v in self.variables], dtype=VECTOR_DTYPE)
        vec[self.sums_offset:self.cross_offset] = x
        vec[self.cross_offset:] = np.outer(x, x)[self._triu]
        return vec

    def encode_many(self, rows: Iterable[Mapping[str, Any]]) -> np.ndarray:
        """Return the summed vector of many validated responses."""
        total = self.empty()
        for answers in rows:
            total += self.encode(answers)
        return total

    def decode(self, n: int, vec: Iterable[int]) -> Summary:
        """Return the `Summary` value of a response count and its vector."""
        v = [int(c) for c in vec]
        if len(v) != self.size:
            raise ValueError(f"summary vector has {len(v)} slots, layout needs {self.size}")
        hist = {
            key: dict(zip(values, v[offset:offset + len(values)]))
            for key, (offset, values) in self.hist_slots.items()
        }
        index_hist = {
            key: dict(zip(range(len(items), 5 * len(items) + 1),
                          v[offset:offset + 4 * len(items) + 1]))
            for key, (offset, items, _) in self.indices.items()
        }
        p = len(self.variables)
        cross = [[0] * p for _ in range(p)]
        flat = iter(v[self.cross_offset:])
        for i in range(p):
            for j in range(i, p):
                cross[i][j] = cross[j][i] = next(flat)
        return Summary(
            n=int(n),
            hist=hist,
            index_hist=index_hist,
            variables=self.variables,
            sums=tuple(v[self.sums_offset:self.cross_offset]),
            cross=tuple(tuple(row) for row in cross),
        )

    def empty_summary(self) -> Summary:
        """Return the summary of no responses."""
        return self.decode(0, self.empty())


def vector_to_bytes(vec: np.ndarray) -> bytes:
    """Serialise a summary vector for a bucket row."""
    return np.asarray(vec, dtype=VECTOR_DTYPE).tobytes()


def vectors_from_bytes(blobs: list[bytes], size: int) -> np.ndarray:
    """Return an (len(blobs), size) int64 matrix from bucket rows' bytes."""
    if not blobs:
        return np.zeros((0, size), dtype=VECTOR_DTYPE)
    return np.frombuffer(b"".join(blobs), dtype=VECTOR_DTYPE).reshape(len(blobs), size)


@dataclass(frozen=True)
class Summary:
    """Sufficient statistics of a set of responses, as exact Python integers."""

    n: int
    hist: dict
    index_hist: dict
    variables: tuple
    sums: tuple
    cross: tuple

    def merge(self, other: Summary) -> Summary:
        """Return the summary of both sets of responses (exact, associative, commutative)."""
        if self.variables != other.variables or self.hist.keys() != other.hist.keys():
            raise ValueError("cannot merge summaries of different survey definitions")
        return Summary(
            n=self.n + other.n,
            hist={k: {v: c + other.hist[k][v] for v, c in h.items()} for k, h in self.hist.items()},
            index_hist={
                k: {s: c + other.index_hist[k][s] for s, c in h.items()}
                for k, h in self.index_hist.items()
            },
            variables=self.variables,
            sums=tuple(a + b for a, b in zip(self.sums, other.sums)),
            cross=tuple(
                tuple(a + b for a, b in zip(ra, rb)) for ra, rb in zip(self.cross, other.cross)
            ),
        )

    __add__ = merge

    def to_dict(self) -> dict:
        """Return a JSON-ready form (histogram keys as strings)."""
        return {
            "n": self.n,
            "hist": {k: {str(v): c for v, c in h.items()} for k, h in self.hist.items()},
            "index_hist": {k: {str(s): c for s, c in h.items()} for k, h in self.index_hist.items()},
            "variables": list(self.variables),
            "sums": list(self.sums),
            "cross": [list(r) for r in self.cross],
        }
