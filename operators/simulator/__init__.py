"""The operator simulator: M-Pesa Daraja and MTN MoMo as seen from the outside, over HTTP.

It stands in for the operators in `make run` and in tests, so it depends on nothing of ours:
no Django, no database, the standard library and `requests` only. It keeps its own books
(ledger.py), answers in the operators' formats (daraja/, momo.py), sends callbacks once
(engine.py), exports a daily statement (statements.py) and fails on demand (faults.py).

    simulator = start_simulator()          # a free port on 127.0.0.1, served from a thread
    simulator.url                          # "http://127.0.0.1:PORT"; bases: .../mpesa, .../momo
    simulator.inject("lose_callback", operator="momo")
    simulator.state()["operators"]["mpesa"]["business"]
    simulator.stop()
"""

from operators.simulator.config import SimulatorConfig
from operators.simulator.server import RunningSimulator, start_simulator

__all__ = ["RunningSimulator", "SimulatorConfig", "start_simulator"]
