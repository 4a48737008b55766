"""Where the built-in items come from: published instruments, their licences, and TrustPulse's own.

Each entry is quoted in the `source` of the questions and indices built from it, so that
`GET /api/v1/templates` says, per item, what it was taken from and how it was changed.
docs/instruments.md lists the same entries with what was and was not checked.
"""

from __future__ import annotations

TAI = {
    "reference": "Hoffman et al. 2023 (TAI)",
    "citation": "Hoffman, R. R., Mueller, S. T., Klein, G., & Litman, J. (2023). Measures for "
                "explainable AI: Explanation goodness, user satisfaction, mental models, "
                "curiosity, trust, and human-AI performance. Frontiers in Computer Science, 5, "
                "1096257. https://doi.org/10.3389/fcomp.2023.1096257",
    "licence": "Open-access article (Frontiers publishes under CC BY; the article's own licence "
               "line was not checked). Items adapted with attribution.",
}
JIS = {
    "reference": "Vander Elst et al. 2014 (JIS)",
    "citation": "Vander Elst, T., De Witte, H., & De Cuyper, N. (2014). The Job Insecurity "
                "Scale: A psychometric evaluation across five European countries. European "
                "Journal of Work and Organizational Psychology, 23(3), 364-380. "
                "https://doi.org/10.1080/1359432X.2012.745989",
    "licence": "Items printed in the article and widely reused in research; no licence terms "
               "were found. Cited and adapted; ask the authors before commercial use.",
}
CBI = {
    "reference": "Kristensen et al. 2005 (CBI)",
    "citation": "Kristensen, T. S., Borritz, M., Villadsen, E., & Christensen, K. B. (2005). "
                "The Copenhagen Burnout Inventory: A new tool for the assessment of burnout. "
                "Work & Stress, 19(3), 192-207. https://doi.org/10.1080/02678370500297720",
    "licence": "The questionnaire is handed out free by the Danish National Research Centre "
               "for the Working Environment and is described as free to use; the authors' own "
               "statement of terms was not checked. Items adapted with attribution.",
}
RIZZO = {
    "reference": "Rizzo et al. 1970 (role ambiguity)",
    "citation": "Rizzo, J. R., House, R. J., & Lirtzman, S. I. (1970). Role conflict and "
                "ambiguity in complex organizations. Administrative Science Quarterly, 15(2), "
                "150-163. https://doi.org/10.2307/2391486",
    "licence": "Items printed in the article and reproduced in scale compendia; no licence "
               "terms were found. Cited and adapted.",
}
WDQ = {
    "reference": "Morgeson & Humphrey 2006 (WDQ)",
    "citation": "Morgeson, F. P., & Humphrey, S. E. (2006). The Work Design Questionnaire "
                "(WDQ): Developing and validating a comprehensive measure for assessing job "
                "design and the nature of work. Journal of Applied Psychology, 91(6), 1321-1339. "
                "https://doi.org/10.1037/0021-9010.91.6.1321",
    "licence": "The item sheet says 'All rights reserved': its wording is neither reproduced "
               "nor adapted; the TrustPulse item only asks about the same facet.",
}
MAILS = {
    "reference": "Koch et al. 2024 (MAILS short)",
    "citation": "Koch, M. J., Carolus, A., Wienrich, C., & Latoschik, M. E. (2024). Meta AI "
                "literacy scale: Further validation and development of a short version. "
                "Heliyon, 10(21), e39686. https://doi.org/10.1016/j.heliyon.2024.e39686",
    "licence": "The MAILS article (Carolus et al. 2023) is CC BY-NC-ND, which allows no "
               "adaptations: its wording is not reproduced; the TrustPulse item only asks "
               "about the same facet (Apply AI).",
}
HOLMAN = {
    "reference": "Holman et al. 2002 (monitoring purpose)",
    "citation": "Holman, D., Chissick, C., & Totterdell, P. (2002). The effects of performance "
                "monitoring on emotional labor and well-being in call centers. Motivation and "
                "Emotion, 26(1), 57-81. https://doi.org/10.1023/A:1015194108376",
    "licence": "The scale's item wording was not checked, so nothing of it is reproduced; "
               "the TrustPulse item asks about the same construct (beneficial purpose).",
}
PETS = {
    "reference": "Schmidmaier et al. 2024 (PETS)",
    "citation": "Schmidmaier, M., Rupp, J., Cvetanova, D., & Mayer, S. (2024). Perceived "
                "Empathy of Technology Scale (PETS): Measuring empathy of systems toward the "
                "user. In Proceedings of CHI '24. ACM. https://doi.org/10.1145/3613904.3642035",
    "licence": "PETS is CC BY. Its item wording was not checked, so the TrustPulse item asks "
               "about the same factor (Understanding & Trust) in its own words.",
}
ERECSQUAL = {
    "reference": "Parasuraman et al. 2005 (E-RecS-QUAL contact)",
    "citation": "Parasuraman, A., Zeithaml, V. A., & Malhotra, A. (2005). E-S-QUAL: A "
                "multiple-item scale for assessing electronic service quality. Journal of "
                "Service Research, 7(3), 213-233. https://doi.org/10.1177/1094670504271156",
    "licence": "The contact items' wording was not checked, so nothing of it is reproduced; "
               "the TrustPulse item asks about the same dimension (reaching a person).",
}
CES = {
    "reference": "Dixon et al. 2013 (CES 2.0)",
    "citation": "Dixon, M., Toman, N., & DeLisi, R. (2013). The Effortless Experience. "
                "Portfolio/Penguin. First described in Dixon, M., Freeman, K., & Toman, N. "
                "(2010). Stop trying to delight your customers. Harvard Business Review, 88(7/8).",
    "licence": "A single published question, widely reused; no licence terms were found.",
}
RECOMMEND = {
    "reference": "Reichheld 2003 (likelihood to recommend)",
    "citation": "Reichheld, F. F. (2003). The one number you need to grow. Harvard Business "
                "Review, 81(12), 46-54.",
    "licence": "The question is widely published. Net Promoter, NPS and eNPS are trademarks "
               "of Bain & Company, Fred Reichheld and NICE Satmetrix, so the question is "
               "named neutrally; `nps:` only names the computation (promoters - detractors).",
}
MOZAFARI = {
    "reference": "Mozafari et al. 2022 (bot disclosure)",
    "citation": "Mozafari, N., Weiger, W. H., & Hammerschmidt, M. (2022). Trust me, I'm a bot: "
                "Repercussions of chatbot disclosure in different service frontline settings. "
                "Journal of Service Management, 33(2), 221-245. "
                "https://doi.org/10.1108/JOSM-10-2020-0380",
    "licence": "Research on disclosure, not a scale; the item is TrustPulse's own.",
}
OWN = {
    "reference": "TrustPulse item",
    "citation": None,
    "licence": "TrustPulse's own wording, under the project's Apache-2.0 licence. Not validated: check its "
               "behaviour on your own data before relying on it.",
}


def adapted(source: dict, *, item: str, original: str, adaptation: str) -> dict:
    """Return the `source` of an item adapted from a published instrument."""
    return {"basis": "adapted", **source, "item": item, "original": original,
            "adaptation": adaptation}


def own_item(*, note: str, after: dict | None = None) -> dict:
    """Return the `source` of a TrustPulse item, optionally naming the work it follows."""
    source = {"basis": "trustpulse_item", **OWN, "note": note}
    if after is not None:
        source.update(citation=after["citation"], licence=after["licence"],
                      reference=f"TrustPulse item after {after['reference']}")
    return source
