"""Survey: questionnaires, kiosks, responses and satisfaction rates."""
