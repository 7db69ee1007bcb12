"""Operations that shape a weight's spectrum: spectral normalization, ConvNorm, optimizers."""
