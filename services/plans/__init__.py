"""Plans: provinces', districts' and communes' yearly plans, their tasks and progress."""
