"""`python -m customer_health.quality --stage raw|marts`."""

import sys

from customer_health.quality.command import main

sys.exit(main())
