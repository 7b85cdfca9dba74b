"""Group ``trading`` (schema ``trading``): trade recommendations and the daily report."""
