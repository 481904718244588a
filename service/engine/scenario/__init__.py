"""Hypothetical scenarios: measures added to or ended in the tables for one request.

* ``apply``: a scenario read and applied to derived tables;
* ``run``: each endpoint's engine function with and without the scenario;
* ``marks``: what the scenario changed, marked on each endpoint's answer.
"""
