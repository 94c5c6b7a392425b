// Package shim exposes the constructor of the upstream Terraform TLS provider.
//
// The constructor lives in github.com/hashicorp/terraform-provider-tls/internal/provider. Go checks
// `internal` by import path, so this module's path is placed under the upstream one (it is pulled
// in with a `replace` to this directory); that is all it does.
package shim

import (
	"github.com/hashicorp/terraform-plugin-framework/provider"
	upstream "github.com/hashicorp/terraform-provider-tls/internal/provider"
)

// NewProvider returns the upstream Plugin-Framework provider.
func NewProvider() provider.Provider {
	return upstream.New()
}
