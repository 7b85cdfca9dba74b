"""Operations: jobs, schedules, the alert sensor and the check-result helpers."""
