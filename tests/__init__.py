"""The test suite, in layers (``tests/layers.py``): ``tests/nexus_emulator/`` is the spec-checked Nexus
emulator, ``tests/e2e/`` runs the real Pulumi engine."""
