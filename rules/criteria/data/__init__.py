"""Built-in criteria-set files; a package so that the "*.json" package-data rule ships them."""
