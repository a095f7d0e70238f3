"""Home pages per role, the health check and the API description."""
