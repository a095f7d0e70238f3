"""The kabupaten hub: villages' bundles applied, Table 1, the return bundles."""
