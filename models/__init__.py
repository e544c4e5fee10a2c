"""Pure domain: the stage machine, rules, Temporal payloads and the database tables."""
