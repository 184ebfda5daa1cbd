"""The default theme: templates and assets, shipped inside sitegen as the package data `sitegen.themes`."""
