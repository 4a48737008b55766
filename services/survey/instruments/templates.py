"""The built-in instruments: `ai-trust-pulse` (employees) and `ai-interaction` (customers).

Items come from published, validated instruments, reworded for AI in customer service, or
are TrustPulse's own where no validated scale exists (AI as co-pilot) or where a licence
allows no adaptation; each question's `source` says which (see `sources`). Items are
statements answered on a 1-5 agreement scale unless typed otherwise. Reverse-scored items
are worded negatively and scored 6 - x in every index they join. Both pulses take about a
minute on a phone.
"""

from __future__ import annotations

import copy

from services.survey.instruments.sources import (
    CBI,
    CES,
    ERECSQUAL,
    HOLMAN,
    JIS,
    MAILS,
    MOZAFARI,
    OWN,
    PETS,
    RECOMMEND,
    RIZZO,
    TAI,
    WDQ,
    adapted,
    own_item,
)

TO_AGREEMENT = "question made a statement; answered on the 1-5 agreement scale"
TAI_ITEM_4 = "I feel safe that when I rely on the [tool] I will get the right answers."


def _likert(key: str, text: str, dimension: str, source: dict, *,
            reverse: bool = False) -> dict:
    return {"key": key, "text": text, "type": "likert5", "required": True,
            "reverse": reverse, "dimension": dimension, "source": source}


def _recommend(key: str, whom: str, dimension: str, adaptation: str) -> dict:
    return {"key": key, "type": "scale11", "required": True, "dimension": dimension,
            "text": f"How likely are you to recommend {whom}? "
                    "(0 = not at all likely, 10 = extremely likely)",
            "source": adapted(RECOMMEND, item="Likelihood to recommend",
                              original="How likely is it that you would recommend [company X] "
                                       "to a friend or colleague?", adaptation=adaptation)}


def _index(key: str, title: str, items: list[str], source: dict, note: str,
           reliability: dict | None = None) -> dict:
    basis = "adapted" if source is not OWN else "trustpulse_item"
    return {"key": key, "title": title, "items": items,
            "source": {"basis": basis, "reference": source["reference"],
                       "citation": source["citation"], "note": note,
                       "reliability": reliability}}


AI_TRUST_PULSE = {
    "key": "ai-trust-pulse",
    "title": "AI trust pulse",
    "kind": "employee_pulse",
    "description": "A one-minute pulse on how employees experience working beside AI.",
    "segments": ["department", "location", "role"],
    "questions": [
        _likert("ai_confident", "I am confident in the AI assistant; I feel that it works well.",
                "ai_trust", adapted(TAI, item="TAI item 1",
                                    original="I am confident in the [tool]. I feel that it "
                                             "works well.",
                                    adaptation="'the [tool]' -> 'the AI assistant'")),
        _likert("ai_right_answers", "When I rely on the AI assistant, I feel safe that I will "
                "get the right answers.", "ai_trust",
                adapted(TAI, item="TAI item 4",
                        original=TAI_ITEM_4,
                        adaptation="'the [tool]' -> 'the AI assistant'; clauses reordered")),
        _likert("ai_wary", "I am wary of the AI assistant.", "ai_trust",
                adapted(TAI, item="TAI item 6 (reverse-scored in the source too)",
                        original="I am wary of the [tool].",
                        adaptation="'the [tool]' -> 'the AI assistant'"), reverse=True),
        _likert("ai_copilot", "The AI assistant works with me as a co-pilot, not as a "
                "competitor.", "copilot",
                own_item(note="No validated scale of AI as co-pilot rather than competitor "
                              "was found.")),
        _likert("job_security", "I am sure I can keep my job as AI takes on more of the work.",
                "job_security",
                adapted(JIS, item="JIS item 2 (reverse-scored for insecurity in the source)",
                        original="I am sure I can keep my job.",
                        adaptation="AI context added; scored as security")),
        _likert("job_loss_ai", "Because of AI, I think I might lose my job in the near future.",
                "job_security",
                adapted(JIS, item="JIS item 4",
                        original="I think I might lose my job in the near future.",
                        adaptation="'Because of AI' added"), reverse=True),
        _likert("ai_skills", "I know how to get good results from the AI tools I use at work.",
                "ai_literacy",
                own_item(after=MAILS, note="Asks about the Apply AI facet of MAILS in "
                                           "TrustPulse's own words.")),
        _likert("role_clarity", "I know exactly what is expected of me now that AI is part of "
                "my work.", "role_clarity",
                adapted(RIZZO, item="Role ambiguity scale (reverse-scored for ambiguity in "
                                    "the source)",
                        original="I know exactly what is expected of me.",
                        adaptation="AI context added; scored as clarity")),
        _likert("ai_control", "I decide for myself when to follow, change or ignore the AI "
                "assistant's suggestions.", "control",
                own_item(after=WDQ, note="Asks about decision-making autonomy, the WDQ facet, "
                                         "applied to AI suggestions.")),
        _likert("monitoring_purpose", "AI monitoring of my work is used to help me improve, "
                "not to catch me out.", "monitoring",
                own_item(after=HOLMAN, note="Monitoring felt as support rather than "
                                            "surveillance: the beneficial-purpose construct.")),
        _likert("worn_out", "I feel worn out at the end of the working day.", "burnout",
                adapted(CBI, item="CBI work-related burnout",
                        original="Do you feel worn out at the end of the working day?",
                        adaptation=f"{TO_AGREEMENT} (the source asks how often)"),
                reverse=True),
        _likert("customer_drain", "Working with customers drains my energy.", "burnout",
                adapted(CBI, item="CBI client-related burnout",
                        original="Does it drain your energy to work with clients?",
                        adaptation=f"'clients' -> 'customers'; {TO_AGREEMENT} (the source "
                                   "asks to what degree)"),
                reverse=True),
        _recommend("recommend_workplace", "this organisation as a place to work", "engagement",
                   "asked of the organisation as a place to work; one item, not an index"),
        {"key": "comment", "type": "text", "required": False, "dimension": "open_comment",
         "text": "Is there anything else you would like to tell us about working with AI?"},
    ],
    "indices": [
        _index("ai_trust", "AI trust", ["ai_confident", "ai_right_answers", "ai_wary"], TAI,
               "Three of the TAI's eight items.",
               {"statistic": "cronbach_alpha", "value": None, "items": 8,
                "statement": "Scharowski et al. (2024, N = 1,485) support the psychometric "
                             "quality of the 8-item TAI as one factor; its coefficient was "
                             "not checked."}),
        _index("job_security", "Job security", ["job_security", "job_loss_ai"], JIS,
               "Two of the JIS's four items, asked about AI.",
               {"statistic": "cronbach_alpha", "value": None, "items": 4,
                "statement": "Vander Elst et al. (2014) report the JIS internally consistent "
                             "in five countries; the coefficients were not checked (a later "
                             "use of the four items reports alpha = .82)."}),
        _index("ai_readiness", "AI readiness", ["ai_skills", "role_clarity", "ai_control"], OWN,
               "TrustPulse's grouping of single items on AI skills (after MAILS), role "
               "clarity (Rizzo et al.) and control (after the WDQ); no published reliability."),
        _index("wellbeing", "Wellbeing", ["worn_out", "customer_drain"], CBI,
               "One work-related and one client-related CBI item, both reversed, so that "
               "higher is better.",
               {"statistic": "cronbach_alpha", "value": None, "items": 7,
                "statement": "Kristensen et al. (2005, N = 1,914) report very high internal "
                             "reliability for each CBI scale; the coefficients were not "
                             "checked."}),
    ],
}

AI_INTERACTION = {
    "key": "ai-interaction",
    "title": "AI interaction rating",
    "kind": "customer_ai",
    "description": "Asked right after a customer's contact, whether an AI assistant, a person "
                   "or both handled it: the items name whoever helped, so handling can be "
                   "compared.",
    "segments": ["channel", "handled_by", "region"],
    "segment_values": {"handled_by": ["ai", "human", "hybrid"]},
    "questions": [
        _likert("csat", "Overall, I am satisfied with how my issue was handled.",
                "satisfaction",
                own_item(note="The usual customer-satisfaction (CSAT) question has no single "
                              "published source. ACSI asks the same concept; its name and "
                              "benchmarks are licensed and not used.")),
        _likert("effort", "The company made it easy for me to handle my issue.", "effort",
                adapted(CES, item="Customer Effort Score 2.0",
                        original="[Company] made it easy for me to handle my issue.",
                        adaptation="'[Company]' -> 'The company'; 7-point scale -> 5-point")),
        _likert("answer_trust", "When I rely on the answers I was given, I feel sure they are "
                "right.", "answer_trust",
                adapted(TAI, item="TAI item 4",
                        original=TAI_ITEM_4,
                        adaptation="asked of the answers given, by an AI or a person")),
        _likert("understood", "Whoever helped me understood what I needed.", "empathy",
                own_item(after=PETS, note="Perceived understanding, PETS's Understanding & "
                                          "Trust factor, of an AI or a person.")),
        _likert("empathy_sincere", "When sympathy was expressed to me, it felt sincere.",
                "empathy",
                own_item(note="Whether empathy felt sincere or engineered; no validated item "
                              "was found.")),
        _likert("human_access", "I could reach a person when I wanted one.", "human_access",
                own_item(after=ERECSQUAL, note="Reaching a live person, the contact dimension "
                                               "of E-RecS-QUAL.")),
        _likert("ai_disclosure", "It was clear to me whether I was dealing with an AI or a "
                "person.", "disclosure",
                own_item(after=MOZAFARI, note="Disclosure of AI, which the cited study finds "
                                              "changes trust; no validated item was found.")),
        {"key": "next_preference", "type": "choice", "required": True, "dimension": "preference",
         "text": "Next time, who would you rather deal with?",
         "options": ["prefer_ai", "no_preference", "prefer_human", "avoid_ai"],
         "option_labels": {"prefer_ai": "An AI assistant", "no_preference": "No preference",
                           "prefer_human": "A person", "avoid_ai": "I would avoid AI"},
         "source": own_item(note="A behavioural intention, read as shares with intervals, "
                                 "not an index; comparable with consumer surveys that report "
                                 "who prefers or avoids AI agents.")},
        _recommend("recommend", "us to a friend or colleague", "loyalty",
                   "'[company X]' -> 'us'; anchors added"),
        {"key": "comment", "type": "text", "required": False, "dimension": "open_comment",
         "text": "Is there anything else you would like to tell us?"},
    ],
    "indices": [
        _index("customer_ai_trust", "Customer AI trust",
               ["answer_trust", "understood", "empathy_sincere", "human_access"], OWN,
               "TrustPulse's grouping of trust in the answers (TAI), feeling understood (after "
               "PETS), sincere empathy and reaching a person (after E-RecS-QUAL); no "
               "published reliability."),
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
