"""The village's side of the kabupaten sync: change log, bundles, return bundles."""
