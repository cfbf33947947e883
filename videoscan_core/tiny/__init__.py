"""Small random models of each family and their tokenizer, built in memory for tests and
benchmarks (never shipped as a user's model)."""
