"""Assessment: criteria sets, scoring, self-assessment, review and recognition."""
