"""The merged OpenAPI document of the suite and its HTML rendering."""
