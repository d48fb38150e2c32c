"""causal-tui: does a tiny transformer learn the rules of a causal system?"""
