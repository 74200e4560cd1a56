"""The runner's parts (tests/runner.py is the command line over them): config, ktap, qemu, report."""
