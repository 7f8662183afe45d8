// Package opendata publishes a node's TLP:CLEAR content, and statistics over all of its content,
// as harvestable open data under /opendata/: datasets described once (Metadata and Dataset) and
// served as DCAT-AP 3.0 with the DCAT-AP.de extras (Turtle, JSON-LD, RDF/XML, paged by
// hydra:next), as a DCAT-US 1.1 data.json, through a subset of CKAN's Action API, and as plain
// HTML pages with charts; each dataset's distributions (CSV with a CSVW description, JSON with a
// JSON Schema, STIX 2.1 bundle) are streamed.
//
// Nothing but TLP:CLEAR leaves this way. Every object goes through the policy's public view:
// restricted in the store query and delivered through policy.View.Deliver, which removes
// granular-marked parts and personal data. As a second line, an object's policy facts are
// derived again from its JSON whenever it could hold granular markings or personal data, so
// that a backend which does not keep those facts as columns cannot let them through.
// Statistics are the one thing computed over every object; they publish counts only, and counts
// below a threshold are suppressed.
//
// A harvester deletes what is missing from a run, so every catalogue answer is built whole
// before its first byte is written: on any failure the client gets an HTTP error, never part of
// a catalogue.
package opendata
