"""Natural persons, their health facts and each enterprise's roster. Nothing is imported
here: passes reads people.models, and the roster pages read passes (app.py registers them)."""
