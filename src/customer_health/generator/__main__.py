"""`python -m customer_health.generator`."""

import sys

from customer_health.generator.command import main

sys.exit(main())
