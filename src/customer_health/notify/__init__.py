"""Alert notifications after a green build: step (the step and its report), config (settings
from the environment), channels (webhook, e-mail, tasks file), messages (what is sent),
ledger (ops.alert_deliveries: what was delivered, what to retry)."""
