"""The residents registry, keyed by NIK."""
