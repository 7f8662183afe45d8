// Package stix is Entente's model of STIX 2.1: decoding and validating objects and bundles,
// identifiers, timestamps, versions and TLP markings.
//
// An object is kept as the exact JSON it arrived as (compacted), with the common properties that
// the rest of the node needs parsed out beside it. Nothing is dropped: unknown and custom
// properties survive a round trip because the raw bytes are what is stored and served.
//
// Decode validates every object against STIX 2.1: the common properties, the properties and
// co-constraints of each type the specification defines (SDOs, SROs, SCOs, language content,
// marking and extension definitions), closed vocabularies, extensions and granular-marking
// selectors. Types the specification does not define are custom objects and get the common
// rules only. Indicator patterns are checked for presence here; their syntax belongs to the
// pattern package.
//
// The package knows no database and no transport; it imports nothing of Entente's.
package stix
