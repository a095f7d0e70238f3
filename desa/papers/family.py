"""Disdukcapil family forms (F-1.09 family card sheet, F-1.01/F-1.02 biodata) as letter layouts."""
