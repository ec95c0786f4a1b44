"""Research models computed from the dataset, independent of HTTP."""
