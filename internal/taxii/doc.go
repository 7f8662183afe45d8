// Package taxii implements TAXII 2.1 (OASIS, 10 June 2021): the server handlers mounted under
// /taxii2/ and the client that partner nodes are pulled with.
//
// The server has one API root. Every response, errors included, carries the media type
// application/taxii+json;version=2.1. Paging is by date_added, ascending; the opaque `next`
// token is stateless: an HMAC-signed cursor bound to the collection, the caller's organisation
// and the query's filters, so it survives restarts, works across processes sharing one
// database, cannot be forged, and is re-checked against the caller's rights on every use.
package taxii
