"""``python -m specproof`` runs the command line."""

import sys

try:
    from specproof.cli import main
except KeyboardInterrupt:  # Ctrl-C while the command line is still loading
    print("specproof: interrupted", file=sys.stderr)
    raise SystemExit(130) from None

raise SystemExit(main())
