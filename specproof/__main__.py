"""``python -m specproof`` runs the command line."""

from specproof.cli import main

raise SystemExit(main())
