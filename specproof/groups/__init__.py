"""Finite groups, actions, representations, equivariance, intertwiners, group Fourier."""
