"""Benchmark: a full analytics answer from summaries versus from raw responses.

1,000,000 likert5 responses over 364 days (52 weeks) x 20 segments x 12 questions. The
answer is:
means with 95% t intervals for every (week, segment, question) cell, last week against
the week before for every segment and question with Welch's t and Mann-Whitney U, and
Benjamini-Hochberg over all of those tests. The summary route starts from per-day,
per-segment histograms (the buckets the survey service keeps at write time), merges them
into weeks and computes; the raw route starts from the
responses in a pandas DataFrame, with pandas and scipy. Both routes are timed in the same
run (median of several runs) and their answers are checked to agree.
"""

from __future__ import annotations

import statistics
import sys
import time

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.multitest import multipletests

from services.metrics.stats import (
    batch_mann_whitney_tests,
    batch_mean_estimates,
    batch_welch_t_tests,
)
from services.metrics.stats.multiple import adjust_array

RESPONSES, WEEKS, SEGMENTS, QUESTIONS = 1_000_000, 52, 20, 12
VALUES = np.arange(1, 6)
QUESTION_KEYS = [f"q{i}" for i in range(QUESTIONS)]
RUNS_SUMMARY, RUNS_RAW = 21, 3
TARGET_MS, TARGET_RATIO = 50.0, 100.0


def generate(seed: int = 7) -> pd.DataFrame:
    """Return raw responses: a week, a segment and twelve likert answers each."""
    rng = np.random.default_rng(seed)
    day = rng.integers(0, 7 * WEEKS, RESPONSES)
    week = day // 7
    segment = rng.integers(0, SEGMENTS, RESPONSES)
    # Each segment and question drifts a little over the year.
    base = rng.normal(3.2, 0.4, QUESTIONS)
    slope = rng.normal(0, 0.3, (SEGMENTS, QUESTIONS))
    latent = base + slope[segment] * (week[:, None] / WEEKS)
    latent += rng.normal(0, 1.0, (RESPONSES, QUESTIONS))
    answers = np.clip(np.rint(latent), 1, 5).astype(np.int8)
    frame = pd.DataFrame(answers, columns=QUESTION_KEYS)
    frame.insert(0, "segment", segment.astype(np.int16))
    frame.insert(0, "week", week.astype(np.int16))
    frame.insert(0, "day", day.astype(np.int16))
    return frame


def daily_histograms(frame: pd.DataFrame) -> np.ndarray:
    """Return bucket histograms, shape (days, segments, questions, 5), as summaries hold."""
    days = 7 * WEEKS
    cell = (frame["day"].to_numpy(np.int64) * SEGMENTS + frame["segment"].to_numpy(np.int64))
    answers = frame[QUESTION_KEYS].to_numpy(np.int64) - 1
    flat = (cell[:, None] * QUESTIONS + np.arange(QUESTIONS)) * 5 + answers
    counts = np.bincount(flat.ravel(), minlength=days * SEGMENTS * QUESTIONS * 5)
    return counts.reshape(days, SEGMENTS, QUESTIONS, 5)


def answer_from_summaries(daily: np.ndarray) -> dict:
    """Merge day buckets into weeks; estimates for every cell, tests, BH over all tests."""
    counts = daily.reshape(WEEKS, 7, *daily.shape[1:]).sum(axis=1)
    estimates = batch_mean_estimates(counts, VALUES)
    last, previous = counts[-1], counts[-2]
    welch = batch_welch_t_tests(previous, last, VALUES)
    mw = batch_mann_whitney_tests(previous, last, VALUES)
    p = np.concatenate([welch["p_value"].ravel(), mw["p_value"].ravel()])
    adjusted = np.full(p.shape, np.nan)
    present = ~np.isnan(p)
    adjusted[present] = adjust_array(p[present])
    return {"mean": estimates["value"], "ci_low": estimates["ci_low"],
            "welch_p": welch["p_value"], "mw_p": mw["p_value"], "p_adjusted": adjusted}


def answer_from_raw(frame: pd.DataFrame) -> dict:
    """The same answer from raw responses with pandas and scipy."""
    grouped = frame.groupby(["week", "segment"])[QUESTION_KEYS]
    mean, std, n = grouped.mean(), grouped.std(), grouped.count()
    half = stats.t.ppf(0.975, n - 1) * std / np.sqrt(n)
    shape = (WEEKS, SEGMENTS, QUESTIONS)
    recent = frame[frame["week"] >= WEEKS - 2]
    welch_p = np.empty((SEGMENTS, QUESTIONS))
    mw_p = np.empty((SEGMENTS, QUESTIONS))
    for segment, group in recent.groupby("segment"):
        is_last = (group["week"] == WEEKS - 1).to_numpy()
        values = group[QUESTION_KEYS].to_numpy()
        for q in range(QUESTIONS):
            a, b = values[~is_last, q], values[is_last, q]
            welch_p[segment, q] = stats.ttest_ind(b, a, equal_var=False).pvalue
            mw_p[segment, q] = stats.mannwhitneyu(b, a, method="asymptotic").pvalue
    p = np.concatenate([welch_p.ravel(), mw_p.ravel()])
    adjusted = multipletests(p, method="fdr_bh")[1]
    return {"mean": mean.to_numpy().reshape(shape),
            "ci_low": (mean - half).to_numpy().reshape(shape),
            "welch_p": welch_p, "mw_p": mw_p, "p_adjusted": adjusted}


def median_seconds(fn, *args, runs: int) -> tuple[float, dict]:
    """Return the median wall time of ``runs`` calls and the last answer."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        answer = fn(*args)
        times.append(time.perf_counter() - start)
    return statistics.median(times), answer


def main() -> int:
    """Run both routes, print their figures, and return 1 if a target is missed."""
    frame = generate()
    start = time.perf_counter()
    daily = daily_histograms(frame)
    build = time.perf_counter() - start
    cells = WEEKS * SEGMENTS * QUESTIONS
    tests = 2 * SEGMENTS * QUESTIONS
    print(f"responses {RESPONSES:,}; cells {cells:,} (weeks {WEEKS} x segments {SEGMENTS} x "
          f"questions {QUESTIONS}); tests {tests} (Welch + Mann-Whitney), BH over all")
    print(f"building the {daily.shape[0] * SEGMENTS:,} day buckets once from raw (write-time "
          f"work, not timed): {build * 1e3:.0f} ms")
    summary_s, ours = median_seconds(answer_from_summaries, daily, runs=RUNS_SUMMARY)
    raw_s, theirs = median_seconds(answer_from_raw, frame, runs=RUNS_RAW)
    for key in ours:
        if not np.allclose(ours[key], theirs[key], rtol=1e-9, atol=1e-12, equal_nan=True):
            print(f"MISMATCH between routes in {key}")
            return 1
    ratio = raw_s / summary_s
    print(f"from summaries: {summary_s * 1e3:.2f} ms (median of {RUNS_SUMMARY}; merging the "
          f"day buckets into weeks included)")
    print(f"from raw (pandas + scipy): {raw_s * 1e3:.0f} ms (median of {RUNS_RAW})")
    print(f"ratio: {ratio:.0f}x   targets: < {TARGET_MS:.0f} ms and >= {TARGET_RATIO:.0f}x")
    ok = summary_s * 1e3 < TARGET_MS and ratio >= TARGET_RATIO
    print("answers agree; targets " + ("met" if ok else "MISSED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
