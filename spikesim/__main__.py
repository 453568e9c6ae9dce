"""``python -m spikesim``: the ``spikesim`` command (see :mod:`spikesim.cli`)."""
from spikesim.cli import main

raise SystemExit(main())
