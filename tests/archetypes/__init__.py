"""Account archetypes: realistic AWS accounts as API responses, scored item by item (see runner.py)."""
