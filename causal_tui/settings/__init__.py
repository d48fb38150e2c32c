"""Every setting a user gives, declared once (declared.py: name, type,
default, range or choices, help, the actions it applies to) and checked once
(check.py), before anything is written. The command lines, the dashboard's
Train screen, the API and the experiment files are made from it.

May import: learners, data, store, systems, errors."""
