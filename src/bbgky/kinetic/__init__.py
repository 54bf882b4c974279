"""Level 2: kinetic equations — Vlasov (mean-field) and homo-energetic Boltzmann / BGK."""
