"""Item pipelines, one job each, in order: validate, normalize, dedupe, store."""
