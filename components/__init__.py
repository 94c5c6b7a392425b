"""One Pulumi ComponentResource per part of the stack (PKI, Nexus server, HAProxy, registry, access),
each built from its typed ``XArgs.from_settings``, and the pure logic they use."""
