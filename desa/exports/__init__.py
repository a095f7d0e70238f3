"""The district link: pending-recording exports, results back, figures, district API."""
