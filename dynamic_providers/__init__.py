"""The Nexus REST client, the generic CRUD provider and one module per Nexus kind (``docs/kinds/``),
and the stack's own checks: first run, one-way door, deployed version, containers running."""
