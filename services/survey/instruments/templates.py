"""The built-in instruments: `ai-trust-pulse` (employees) and `ai-interaction` (customers).

Items are neutral statements answered on a 1-5 agreement scale unless typed otherwise;
each names the dimension it measures. Reverse-scored items are worded negatively and
scored 6 - x in every index they join.
"""

from __future__ import annotations

import copy


def _likert(key: str, text: str, dimension: str, *, reverse: bool = False) -> dict:
    return {"key": key, "text": text, "type": "likert5", "required": True,
            "reverse": reverse, "dimension": dimension}


AI_TRUST_PULSE = {
    "key": "ai-trust-pulse",
    "title": "AI trust pulse",
    "kind": "employee_pulse",
    "description": "A one-minute pulse on how employees experience working beside AI.",
    "segments": ["department", "location", "role"],
    "questions": [
        _likert("job_security", "I feel secure in my job as AI is introduced in my work.",
                "job_security"),
        _likert("replacement_worry", "I worry that AI will replace my role.", "job_security",
                reverse=True),
        _likert("ai_training", "I have had enough training to use AI tools confidently.",
                "training"),
        _likert("role_clarity", "I understand how my role is changing as AI is introduced.",
                "role_clarity"),
        _likert("ai_control", "I feel in control of how AI is used in my work.", "control"),
        _likert("ai_copilot", "AI works with me as a co-pilot rather than as a competitor.",
                "copilot"),
        _likert("leadership_openness", "Leadership is open about how AI is used here.",
                "transparency"),
        _likert("monitoring_support",
                "AI monitoring of my work feels like support rather than surveillance.",
                "monitoring"),
        _likert("workload", "My workload is manageable.", "workload"),
        _likert("complexity_exhaustion", "Handling the complex issues that reach me leaves me "
                "exhausted.", "burnout", reverse=True),
        {"key": "enps", "type": "scale11", "required": True, "dimension": "engagement",
         "text": "How likely are you to recommend this organisation as a place to work? "
                 "(0 = not at all likely, 10 = extremely likely)"},
        {"key": "comment", "type": "text", "required": False, "dimension": "open_comment",
         "text": "Is there anything else you would like to tell us about working with AI?"},
    ],
    "indices": [
        {"key": "ai_trust", "title": "AI trust",
         "items": ["job_security", "replacement_worry", "ai_copilot", "leadership_openness",
                   "monitoring_support"]},
        {"key": "wellbeing", "title": "Wellbeing",
         "items": ["workload", "complexity_exhaustion", "job_security"]},
        {"key": "ai_readiness", "title": "AI readiness",
         "items": ["ai_training", "role_clarity", "ai_control"]},
    ],
}

AI_INTERACTION = {
    "key": "ai-interaction",
    "title": "AI interaction rating",
    "kind": "customer_ai",
    "description": "Asked right after a customer's interaction with an AI assistant.",
    "segments": ["channel", "handled_by", "region"],
    "segment_values": {"handled_by": ["ai", "human", "hybrid"]},
    "questions": [
        _likert("csat", "I am satisfied with this interaction.", "satisfaction"),
        _likert("ai_disclosure", "It was clear that I was dealing with an AI assistant.",
                "disclosure"),
        _likert("empathy_sincere", "The assistant's expressions of empathy felt sincere.",
                "empathy"),
        _likert("answer_trust", "I trust the answers I was given.", "answer_trust"),
        _likert("human_access", "It was easy to reach a human when I wanted to.",
                "human_access"),
        _likert("resolved", "My issue was resolved.", "resolution"),
        {"key": "next_preference", "type": "choice", "required": True, "dimension": "preference",
         "text": "Next time, who would you rather deal with?",
         "options": ["prefer_ai", "no_preference", "prefer_human", "avoid_ai"],
         "option_labels": {"prefer_ai": "An AI assistant", "no_preference": "No preference",
                           "prefer_human": "A person", "avoid_ai": "I would avoid AI"}},
        {"key": "nps", "type": "scale11", "required": True, "dimension": "loyalty",
         "text": "How likely are you to recommend us to a friend or colleague? "
                 "(0 = not at all likely, 10 = extremely likely)"},
        {"key": "comment", "type": "text", "required": False, "dimension": "open_comment",
         "text": "Is there anything else you would like to tell us?"},
    ],
    "indices": [
        {"key": "customer_ai_trust", "title": "Customer AI trust",
         "items": ["ai_disclosure", "empathy_sincere", "answer_trust", "human_access"]},
    ],
}

TEMPLATES = {t["key"]: t for t in (AI_TRUST_PULSE, AI_INTERACTION)}


def list_templates() -> list[dict]:
    """Return copies of every built-in template."""
    return [copy.deepcopy(t) for t in TEMPLATES.values()]


def get_template(key: str) -> dict | None:
    """Return a copy of one built-in template, or None."""
    template = TEMPLATES.get(key)
    return copy.deepcopy(template) if template else None
