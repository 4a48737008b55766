"""Answer shares of one question: its distribution, and favourable/neutral/unfavourable."""

from __future__ import annotations

from collections.abc import Mapping

FAVOURABLE = (4, 5)
NEUTRAL = (3,)
UNFAVOURABLE = (1, 2)


def answer_shares(hist: Mapping) -> dict:
    """Return each answer's share of those answering (None for every one when nobody did).

    .. math:: p_v = c_v / \\sum_u c_u

    Examples
    --------
    >>> answer_shares({1: 1, 2: 0, 3: 3})
    {1: 0.25, 2: 0.0, 3: 0.75}
    """
    total = sum(hist.values())
    return {value: (count / total if total else None) for value, count in hist.items()}


def favourability(hist: Mapping, reverse: bool = False) -> dict:
    """Return the shares favourable (4-5), neutral (3) and unfavourable (1-2) of a likert5 item.

    A reverse-scored item is read as 6 - x first, so that its 1-2 answers are favourable
    (agreeing less with a negatively worded statement). The three shares add up to 1.

    Examples
    --------
    >>> favourability({1: 2, 2: 0, 3: 1, 4: 1, 5: 0})
    {'favourable': 0.25, 'neutral': 0.25, 'unfavourable': 0.5}
    >>> favourability({1: 2, 2: 0, 3: 1, 4: 1, 5: 0}, reverse=True)
    {'favourable': 0.5, 'neutral': 0.25, 'unfavourable': 0.25}

    Notes
    -----
    The "percent favourable" convention of employee survey reports: the agreeing answers of
    a five-point agreement scale, after reverse scoring.
    """
    total = sum(hist.values())
    good, bad = (UNFAVOURABLE, FAVOURABLE) if reverse else (FAVOURABLE, UNFAVOURABLE)

    def share(values) -> float | None:
        return sum(hist.get(v, 0) for v in values) / total if total else None

    return {"favourable": share(good), "neutral": share(NEUTRAL), "unfavourable": share(bad)}
