"""collusion: find signs of bid collusion (围标串标) among the bids of one tender."""

__version__ = "0.1.0"
