"""Level 0: N-particle (objective) molecular dynamics (paper 002 §1.1, §1.3)."""
