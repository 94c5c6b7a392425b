"""How the toolchain is made and run here (the Pulumi CLI and tls plugin from Go modules, the Python
language host, the provider plugins, the local images), the generated doc tables and the benchmark's
helpers."""
