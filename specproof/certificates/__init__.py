"""Norms with proofs: 2->2 and 2->q norms, SoS relaxations, certificate files, checkers."""
