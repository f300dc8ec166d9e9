"""`sportlens batch`: many files through `analyze`, on a local process pool or a Ray cluster, resumable."""
