"""Offline `local/<model>` provider: serves pinned GGUF weights through llama.cpp.

Kept import-light on purpose: the server child process imports this package too.
Register the provider with Inspect by importing
`long_horizon_execution.evals.local_model.registry`.
"""
