"""How a run uses the machine: worker processes, their lifecycle, the garbage collector, safe console text."""
