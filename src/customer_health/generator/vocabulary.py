"""The simulated world's fixed vocabulary: segments, categories, event mixes, seasonal
factors, names and comment texts."""

from __future__ import annotations

import numpy as np

SEGMENTS = ("enterprise", "mid_market", "smb", "internal")
SEG_ENT, SEG_MID, SEG_SMB, SEG_INT = 0, 1, 2, 3

# Portfolio-wide seasonality (identical multiplicative factors for every account).
# Day of week uses Python's convention: 0 = Monday ... 6 = Sunday.
DOW_FACTORS = np.array([1.00, 1.06, 1.05, 1.02, 0.90, 0.36, 0.30])
# Month 1..12 (index 0 = January): December dip ~0.7, summer (August) dip ~0.85.
MOY_FACTORS = np.array([0.95, 1.00, 1.04, 1.02, 1.00, 0.97, 0.92, 0.85, 1.02, 1.05, 1.03, 0.70])

TICKET_STATUSES = ("new", "open", "pending", "solved", "closed")
TICKET_CATEGORIES = ("question", "bug", "feature_request", "complaint", "other")
TICKET_PRIORITIES = ("low", "normal", "high", "urgent")
TICKET_CHANNELS = ("email", "chat", "phone", "web")
SURVEY_TYPES = ("nps", "csat", "like")
# Share of post-ticket CSAT answers that carry only ticket_id (no account, no contact).
TICKET_ONLY_CSAT_SHARE = 0.20
SUBSCRIPTION_EVENT_TYPES = ("new", "renewal", "expansion", "contraction", "cancellation")
TOUCHPOINT_TYPES = (
    "email_open",
    "email_click",
    "content_view",
    "event_attended",
    "meeting",
    "social_like",
    "social_comment",
    "testimonial",
    "feedback",
)
EVENT_NAMES = (
    "login",
    "view_dashboard",
    "create_report",
    "edit_report",
    "export",
    "api_call",
    "search",
    "share_report",
    "invite_user",
    "update_settings",
    "run_automation",
)
# Event mix of a thriving account vs. a struggling one; an event draws from the healthy profile
# with probability equal to the account's latent health on that day.
_EVENT_P_HEALTHY = np.array([0.12, 0.22, 0.10, 0.09, 0.05, 0.20, 0.07, 0.06, 0.02, 0.02, 0.05])
_EVENT_P_UNHEALTHY = np.array([0.30, 0.32, 0.05, 0.04, 0.08, 0.06, 0.09, 0.02, 0.003, 0.02, 0.007])

_NAME_PREFIXES = (
    "Northwind", "Blue Harbor", "Summit", "Redwood", "Silverline", "Ironclad", "Bright Path",
    "Cedar", "Granite", "Lakeside", "Orion", "Pinnacle", "Quantum", "Riverstone", "Sterling",
    "Tidewater", "Evergreen", "Falcon", "Horizon", "Keystone", "Maple", "Nova", "Oakridge",
    "Polaris", "Sunrise", "Vertex", "Westbrook", "Atlas", "Beacon", "Cobalt", "Driftwood",
    "Emerald", "Frontier", "Golden Gate", "Harbor Point", "Juniper", "Lighthouse", "Meridian",
)
_NAME_NOUNS = (
    "Logistics", "Analytics", "Health", "Foods", "Manufacturing", "Capital", "Software",
    "Energy", "Retail", "Media", "Biotech", "Consulting", "Freight", "Insurance", "Labs",
    "Systems", "Partners", "Robotics", "Telecom", "Hospitality", "Education", "Motors",
    "Properties", "Pharma", "Networks", "Apparel", "Holdings", "Studios", "Security", "Travel",
)
_INTERNAL_TEAMS = (
    "Finance", "Sales", "Customer Success", "Marketing", "Engineering", "Support", "Product",
    "Operations", "People", "Legal", "Data", "Partnerships",
)
_FIRST_NAMES = (
    "Anna", "Ben", "Carla", "David", "Elena", "Felix", "Grace", "Hugo", "Irene", "Jonas",
    "Karin", "Liam", "Maria", "Noah", "Olivia", "Paul", "Quinn", "Rosa", "Samuel", "Tina",
    "Umar", "Vera", "William", "Xenia", "Yusuf", "Zoe", "Amir", "Bianca", "Chen", "Daria",
    "Emil", "Fatima", "George", "Hana", "Ivan", "Julia", "Kenji", "Lena", "Marco", "Nadia",
)
_LAST_NAMES = (
    "Smith", "Mueller", "Garcia", "Rossi", "Kowalski", "Nguyen", "Johnson", "Schmidt",
    "Martin", "Silva", "Andersson", "Dubois", "Novak", "Tanaka", "Brown", "Fischer", "Lopez",
    "Bianchi", "Jensen", "Kim", "Wilson", "Weber", "Moreau", "Costa", "Nielsen", "Horvat",
    "Sato", "Taylor", "Wagner", "Fernandez", "Ricci", "Berg", "Laurent", "Patel", "Evans",
)
_COMMENTS_NEG = (
    "Too many bugs lately, our team is frustrated.",
    "Support took far too long to respond.",
    "The product keeps crashing during exports.",
    "We are not getting the value we pay for.",
    "Reports are slow and often wrong.",
    "Onboarding was confusing and nobody followed up.",
    "Considering other vendors at renewal.",
    "The issue was closed without being fixed.",
    "Price increase is hard to justify.",
    "Integration with our CRM is unreliable.",
)
_COMMENTS_NEU = (
    "It does the job, nothing special.",
    "Ok overall, some features are missing.",
    "Decent support, average response time.",
    "Works fine but the UI could be simpler.",
    "Would like better documentation.",
    "Fair value for the price.",
)
_COMMENTS_POS = (
    "Great product, our team loves it!",
    "Support was fast and very helpful.",
    "Dashboards save us hours every week.",
    "Easy to use and reliable.",
    "The new automation features are fantastic.",
    "Our account manager is excellent.",
    "Best tool we have adopted this year.",
    "Quick fix, thank you!",
    "Rollout to the whole company went smoothly.",
)
_COMMENTS = _COMMENTS_NEG + _COMMENTS_NEU + _COMMENTS_POS
_TOUCHPOINT_DETAILS: dict[str, tuple[str, ...]] = {
    "email_open": ("Monthly newsletter", "Product update", "Webinar invitation", "Renewal notice"),
    "email_click": ("Monthly newsletter", "Product update", "Webinar invitation", "Case study"),
    "content_view": ("Blog: reporting best practices", "Help center: API guide",
                     "Video: dashboard tour", "Whitepaper: data-driven CS"),
    "event_attended": ("User conference", "Customer webinar", "Regional meetup"),
    "meeting": ("Quarterly business review", "Onboarding call", "Roadmap session",
                "Executive sponsor check-in"),
    "social_like": ("LinkedIn post", "Product launch post"),
    "social_comment": ("LinkedIn post", "Community forum thread"),
    "testimonial": ("Case study participation", "G2 review", "Reference call"),
    "feedback": ("Feature idea", "Beta program feedback", "Usability interview"),
}

# CSM sentiment (raw.csm_sentiment): the success managers who record readings, and the
# reason codes they pick by reading (1-2 negative, 4-5 positive; a 3 rarely has one).
CSM_AUTHORS = (
    "ana.lopez", "ben.okafor", "chloe.martin", "dev.patel", "emma.schmidt", "farid.haddad",
)
CSM_NEGATIVE_REASONS = (
    "champion_left", "budget_cuts", "product_gaps", "slow_support", "competitor_evaluation",
)
CSM_POSITIVE_REASONS = ("exec_sponsor_engaged", "expansion_planned", "renewal_verbal_yes")
CSM_NOTES = (
    "Discussed in the business review",
    "Follow-up call booked",
    "Raised with the account executive",
)
