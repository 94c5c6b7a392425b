// pulumi-tfgen-tls: generates the schema and bridge metadata that pulumi-resource-tls embeds.
//
//	pulumi-tfgen-tls schema --out ../pulumi-resource-tls
package main

import (
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfgen"

	tlsinfo "nexus-platform.invalid/pulumi-tls"
)

func main() {
	tfgen.Main("tls", tlsinfo.Provider())
}
