"""`python -m customer_health.cli`."""

from customer_health.cli import main

raise SystemExit(main())
