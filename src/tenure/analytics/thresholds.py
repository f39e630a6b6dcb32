"""The numbers the library's rules turn on, importable without the engine.

The CRM's models read them when they are defined; this module imports nothing, so a
process that only starts (a command, a web worker) does not load pandas and Ibis for two
numbers.
"""

#: The least P(alive) CLV is divided by to estimate the value of a customer who stays
#: (`tenure.analytics.value.value_at_risk`).
P_ALIVE_FLOOR = 0.1
#: The least chance of leaving of a customer with a signal (an open complaint, an unhappy
#: answer).
SIGNAL_RISK = 0.5
