// Package stix is Entente's model of STIX 2.1: decoding and validating objects and bundles,
// identifiers, timestamps, versions and TLP markings.
//
// An object is kept as the exact JSON it arrived as (compacted), with the common properties that
// the rest of the node needs parsed out beside it. Nothing is dropped: unknown and custom
// properties survive a round trip because the raw bytes are what is stored and served.
//
// The package knows no database and no transport; it imports nothing of Entente's.
package stix
