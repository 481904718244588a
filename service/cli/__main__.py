"""``python -m service.cli``: the ``tariff-stack`` command."""
import sys

from service.cli import main

sys.exit(main())
