// Pins the SeaweedFS build the tests run as their S3 server (scripts/build-seaweedfs builds it).
// `go install .../weed@version` is refused because SeaweedFS's own go.mod has replace directives;
// this module requires it and repeats the one replace the build needs.
module nexus-platform.invalid/seaweedfs

go 1.26

require github.com/seaweedfs/seaweedfs v0.0.0-20261109003541-7506e5f91cd6

replace github.com/tyler-smith/go-bip39 => github.com/cosmos/go-bip39 v1.0.0
