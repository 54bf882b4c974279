"""The mean-field level: Vlasov solvers on a phase-space grid and with particles."""
