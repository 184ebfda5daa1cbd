"""Files `sitegen init` and `sitegen new` start from: read as package data, never imported."""
