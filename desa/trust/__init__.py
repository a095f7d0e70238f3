"""Trust: the keys that sign letters, their rotation, and trust bundles (CONTRACT §8)."""
