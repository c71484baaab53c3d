"""``python -m audit.cli``: the ``emotion-audit`` command."""
import sys

from . import main

sys.exit(main())
