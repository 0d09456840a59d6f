"""Which models the course offers and how they get to run: the registry, model references and
their errors, the Hub download, the one loader with its memory-bounded cache, and how a loaded
model runs (precision, micro-batching, the warm-up that decides both)."""
