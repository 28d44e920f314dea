"""The benchmark harness behind compare.py."""
