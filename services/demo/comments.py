"""Free-text comments for the demo, chosen to match the answers they come with."""

from __future__ import annotations

import random

EMPLOYEE_COMMENTS = {
    "job_security": [
        "Nobody has told us what happens to our jobs once the bot handles more calls.",
        "I worry the new assistant is being trained to replace us.",
        "Every AI announcement makes the team nervous about redundancies.",
        "Would like a clear statement on what AI means for headcount.",
    ],
    "exhaustion": [
        "The easy contacts go to the bot, so every call I get is a hard one.",
        "Back-to-back escalations all day is draining.",
        "Complex cases with no break in between are wearing people out.",
    ],
    "workload": [
        "Queues have been much longer since the team lost two people.",
        "We are asked to do more reviews of AI answers on top of our normal work.",
    ],
    "positive": [
        "The suggested replies save me a lot of typing.",
        "The knowledge search is genuinely helpful on tricky billing questions.",
        "Training sessions on the assistant were useful.",
        "I like that I can override the AI suggestion when it is wrong.",
    ],
    "monitoring": [
        "The sentiment scoring on every call feels like being watched.",
        "Not sure who sees the AI quality scores or what they are used for.",
    ],
}

CUSTOMER_COMMENTS = {
    "empathy": [
        "The bot kept saying it understood my frustration. It clearly did not.",
        "The apologies felt scripted.",
        "Too many 'I am so sorry to hear that' and not enough help.",
    ],
    "human": [
        "It took far too long to reach a real person.",
        "I just wanted to speak to someone.",
        "There was no obvious way to get past the assistant.",
    ],
    "positive": [
        "Quick and easy, sorted in two minutes.",
        "The assistant found my order straight away.",
        "Helpful and polite, thank you.",
        "Much faster than waiting on hold.",
    ],
    "unresolved": [
        "My problem is still not fixed.",
        "I was given an answer that turned out to be wrong.",
    ],
}


def employee_comment(rng: random.Random, answers: dict) -> str:
    """Return a comment on the theme the employee's answers suggest."""
    if answers["job_loss_ai"] >= 4 or answers["job_security"] <= 2:
        theme = "job_security"
    elif answers["customer_drain"] >= 4:
        theme = "exhaustion"
    elif answers["worn_out"] >= 4:
        theme = "workload"
    elif answers["monitoring_purpose"] <= 2:
        theme = "monitoring"
    else:
        theme = "positive"
    return rng.choice(EMPLOYEE_COMMENTS[theme])


def customer_comment(rng: random.Random, answers: dict) -> str:
    """Return a comment on the theme the customer's answers suggest."""
    if answers["empathy_sincere"] <= 2:
        theme = "empathy"
    elif answers["human_access"] <= 2:
        theme = "human"
    elif answers["effort"] <= 2:
        theme = "unresolved"
    else:
        theme = "positive"
    return rng.choice(CUSTOMER_COMMENTS[theme])
