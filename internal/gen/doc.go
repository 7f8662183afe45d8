// Package gen writes reproducible synthetic STIX 2.1 bundles: the corpus behind `entente gen`,
// the import benchmarks, demos and tests.
//
// A corpus looks like the traffic between government CERTs: a handful of organisations, a majority
// of indicators over network and file observables, the malware, threat actors, intrusion sets,
// campaigns, attack patterns and vulnerabilities they point at, relationships and sightings tying
// them together, reports and notes, observed data with its cyber-observables, a realistic mix of
// TLP 2.0 markings, later versions and revocations of earlier objects, and a few custom properties.
//
// The output depends only on Options: the same seed, object count and reference time give the same
// bytes. Every reference points at an object written earlier in the same bundle.
//
// The generator streams: it keeps no list of what it wrote. Object number i is a pure function of
// the seed and i (its type, id, time and content), so a reference or a new version of an earlier
// object is computed again rather than remembered, and memory stays flat whatever the size.
//
// Network values are drawn from ranges that cannot be real infrastructure (198.18.0.0/15 and the
// TEST-NETs for IPv4, 2001:db8::/32 for IPv6, the .example and .test names), so a synthetic corpus
// that leaks into a blocklist blocks nobody.
package gen
