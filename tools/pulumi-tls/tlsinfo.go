// Package tlsinfo is the bridge configuration of the tls provider plugin built by
// scripts/build-pulumi: the upstream Terraform TLS provider (a Plugin-Framework provider, reached
// through ./shim) wrapped by the Pulumi Terraform bridge, with the token mapping of pulumi-tls
// (`tls_private_key` -> `tls:index/privateKey:PrivateKey`, ...).
package tlsinfo

import (
	_ "embed" // bridge-metadata.json is compiled into the binaries

	"github.com/hashicorp/terraform-provider-tls/shim"
	pf "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfbridge"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
)

// Version is the plugin version, stamped at build time:
// -ldflags "-X nexus-platform.invalid/pulumi-tls.Version=5.6.2" (the bridge refuses an empty one).
var Version string

// bridgeMetadata is written by `pulumi-tfgen-tls schema --out cmd/pulumi-resource-tls`.
//
//go:embed cmd/pulumi-resource-tls/bridge-metadata.json
var bridgeMetadata []byte

// Provider is the ProviderInfo shared by the plugin and the schema generator.
func Provider() tfbridge.ProviderInfo {
	return tfbridge.ProviderInfo{
		P:            pf.ShimProvider(shim.NewProvider()),
		Name:         "tls",
		Description:  "A Pulumi package to create TLS resources in Pulumi programs.",
		Keywords:     []string{"pulumi", "tls"},
		License:      "Apache-2.0",
		Homepage:     "https://pulumi.io",
		Repository:   "https://github.com/pulumi/pulumi-tls",
		GitHubOrg:    "hashicorp",
		Version:      Version,
		MetadataInfo: tfbridge.NewProviderMetadata(bridgeMetadata),
		Resources: map[string]*tfbridge.ResourceInfo{
			"tls_cert_request":        {Tok: "tls:index/certRequest:CertRequest"},
			"tls_locally_signed_cert": {Tok: "tls:index/locallySignedCert:LocallySignedCert"},
			"tls_private_key":         {Tok: "tls:index/privateKey:PrivateKey"},
			"tls_self_signed_cert":    {Tok: "tls:index/selfSignedCert:SelfSignedCert"},
		},
		DataSources: map[string]*tfbridge.DataSourceInfo{
			"tls_public_key":  {Tok: "tls:index/getPublicKey:getPublicKey"},
			"tls_certificate": {Tok: "tls:index/getCertificate:getCertificate"},
		},
		EnableZeroDefaultSchemaVersion: true,
	}
}
