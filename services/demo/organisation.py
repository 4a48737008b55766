"""The demo organisation: a contact centre working beside AI, and the customers it serves.

The shapes follow what published research on AI in customer service reports: about one
customer in five prefers AI agents (rising from about 13%), about 38% would avoid them,
more than one in five finds empathy that feels engineered insincere; among employees, worry
about job security is the top concern and agents on complex issues report high exhaustion.
"""

from __future__ import annotations

# Employees: headcount per department, and how each department spreads over sites and roles.
DEPARTMENTS = {"Support": 160, "Sales": 80, "Billing": 60, "Technical": 100}
LOCATIONS = {"Leeds": 0.45, "Manila": 0.35, "Austin": 0.20}
ROLES_BY_DEPARTMENT = {
    "Support": {"agent": 0.75, "complex_cases": 0.15, "team_lead": 0.10},
    "Sales": {"agent": 0.85, "complex_cases": 0.05, "team_lead": 0.10},
    "Billing": {"agent": 0.75, "complex_cases": 0.15, "team_lead": 0.10},
    "Technical": {"agent": 0.45, "complex_cases": 0.45, "team_lead": 0.10},
}

# Teams inside each department, and each team's climate (latent; + is better): it moves its
# agents' wellbeing and, through them, the satisfaction of the customers the team serves.
TEAMS_BY_DEPARTMENT = {
    "Support": {"Support North": 0.45, "Support South": -0.3, "Support Night": -0.15},
    "Sales": {"Sales Inbound": 0.35, "Sales Renewals": 0.0},
    "Billing": {"Billing": 0.0},
    "Technical": {"Tech Devices": 0.3, "Tech Network": -0.45},
}
# Latent CSAT per latent unit of the serving team's expected wellbeing (around the average).
CSAT_PER_WELLBEING = 0.4

# Half the staff go through AI training between two waves; from then on their AI trust rises
# while the untrained cohort's stays where it was.
TRAINED_SHARE = 0.5
TRAINING_WAVE = 6  # the first wave after the training
TRAINING_TRUST_GAIN = {"ai_confident": 0.55, "ai_right_answers": 0.5, "ai_wary": -0.45}

WAVES = 12
RESPONSE_RATE = (0.62, 0.78)  # each wave's response rate is drawn from this range

# Latent shifts of each pulse item (0 = the scale's middle; + agrees more). Job security is the
# lowest-scoring theme once reverse items are turned round: the top concern.
EMPLOYEE_ITEM_SHIFT = {
    "ai_confident": 0.25,
    "ai_right_answers": 0.1,
    "ai_wary": 0.05,            # agreement with the wariness (reverse-scored in the index)
    "ai_copilot": 0.3,
    "job_security": -0.55,
    "job_loss_ai": 0.7,         # agreement with the worry (reverse-scored in the index)
    "ai_skills": 0.15,
    "role_clarity": 0.05,
    "ai_control": 0.0,
    "monitoring_purpose": -0.15,
    "worn_out": 0.15,
    "customer_drain": 0.0,
}
# Agents on complex cases, whom the AI passes every hard contact, are drained by customers.
EXHAUSTION_BY_ROLE = {"agent": 0.0, "complex_cases": 1.15, "team_lead": 0.35}
EXHAUSTION_ITEMS = {"customer_drain": 1.0, "worn_out": 0.5}  # share of the role's shift
# Readiness items improve over the quarter as AI training rolls out.
READINESS_GAIN = {"ai_skills": 0.45, "role_clarity": 0.3, "ai_control": 0.2}

# One department's wellbeing falls in the last weeks, enough to raise an alert.
WELLBEING_DROP_DEPARTMENT = "Billing"
WELLBEING_DROP = {-3: 0.05, -2: 0.2, -1: 1.0}  # wave offset from the end -> latent drop
WELLBEING_DROP_ITEMS = ("worn_out", "customer_drain")

# This week's wave opens as the demo loads and everyone is invited; the first few answers,
# under the respondent rate limit, can come in through their invitations at once.
LIVE_WAVE_DAYS = 5
LIVE_ANSWERS = 40

# Customers: interactions rated per day (about one contact in ten), and how they spread over
# channels and handling. Each team then has well over the threshold every day, so that its
# days, weeks and months are all shown and can be summed over any span.
CUSTOMER_RESPONSES_PER_DAY = (150, 200)
CHANNELS = {"chat": 0.45, "voice": 0.35, "email": 0.20}
HANDLING_BY_CHANNEL = {
    "chat": {"ai": 0.60, "hybrid": 0.28, "human": 0.12},
    "voice": {"ai": 0.25, "hybrid": 0.30, "human": 0.45},
    "email": {"ai": 0.45, "hybrid": 0.35, "human": 0.20},
}
REGIONS = {"UK": 0.40, "US": 0.35, "APAC": 0.25}

PREFER_AI_START, PREFER_AI_END = 0.13, 0.25
AVOID_AI = 0.38
NO_PREFERENCE = 0.16

# Latent shifts of customer items by handling; empathy is the weak point of AI handling,
# so that somewhat more than one customer in five finds it insincere overall.
CUSTOMER_ITEM_SHIFT = {
    "csat": {"ai": 0.25, "hybrid": 0.45, "human": 0.6},
    "effort": {"ai": 0.3, "hybrid": 0.35, "human": 0.45},
    "answer_trust": {"ai": 0.2, "hybrid": 0.4, "human": 0.55},
    "understood": {"ai": 0.1, "hybrid": 0.35, "human": 0.6},
    "empathy_sincere": {"ai": 0.1, "hybrid": 0.3, "human": 0.6},
    "human_access": {"ai": -0.1, "hybrid": 0.4, "human": 0.8},
    "ai_disclosure": {"ai": 0.7, "hybrid": 0.3, "human": 0.5},
}

EMPLOYEE_COMMENT_RATE = 0.25
CUSTOMER_COMMENT_RATE = 0.2
