package api

import "net/http"

func (a *API) routes() {
	m := a.mux
	m.Handle("GET /api/v1/openapi.json", a.handle(nil, a.openapi))
	m.Handle("GET /api/v1/collections", a.handle(anyone, a.listCollections))
	m.Handle("POST /api/v1/collections", a.handle(admin, a.createCollection))
	m.Handle("GET /api/v1/collections/{id}", a.handle(anyone, a.getCollection))
	m.Handle("GET /api/v1/orgs", a.handle(ownOrg, a.listOrgs))
	m.Handle("POST /api/v1/orgs", a.handle(admin, a.createOrg))
	m.Handle("GET /api/v1/tokens", a.handle(admin, a.listTokens))
	m.Handle("POST /api/v1/tokens", a.handle(admin, a.createToken))
	m.Handle("DELETE /api/v1/tokens/{id}", a.handle(admin, a.revokeToken))
	m.Handle("GET /api/v1/agreements", a.handle(ownOrg, a.listAgreements))
	m.Handle("PUT /api/v1/agreements/{partner}", a.handle(admin, a.putAgreement))
	m.Handle("DELETE /api/v1/agreements/{partner}", a.handle(admin, a.removeAgreement))
	m.Handle("GET /api/v1/objects/{id}", a.handle(anyone, a.getObject))
	m.Handle("GET /api/v1/objects/{id}/explain", a.handle(ownOrg, a.explainObject))
	m.Handle("GET /api/v1/objects/{id}/shares", a.handle(ownOrg, a.listShares))
	m.Handle("POST /api/v1/objects/{id}/shares", a.handle(analyst, a.addShares))
	m.Handle("GET /api/v1/opendata/metadata", a.handle(ownOrg, a.getOpendataMetadata))
	m.Handle("PUT /api/v1/opendata/metadata", a.handle(admin, a.putOpendataMetadata))
	m.Handle("GET /api/v1/peers", a.handle(ownOrg, a.listPeers))
	m.Handle("POST /api/v1/peers", a.handle(admin, a.createPeer))
	m.Handle("GET /api/v1/peers/status", a.handle(ownOrg, a.peerStatus))
	m.Handle("DELETE /api/v1/peers/{id}", a.handle(admin, a.removePeer))
	m.Handle("GET /api/v1/key", a.handle(anyone, a.nodeKey))
	m.Handle("/api/v1/", a.handle(nil, func(w http.ResponseWriter, r *http.Request) error {
		return apiErr(KindNotFound, "no API endpoint %s %s (see /api/v1/openapi.json)", r.Method, r.URL.Path)
	}))
}

// detectRoutes lists the detection endpoints, added by EnableDetection.
func (a *API) detectRoutes(d *detect) {
	m := a.mux
	m.Handle("GET /api/v1/correlations", a.handle(anyone, d.correlateValue))
	m.Handle("GET /api/v1/objects/{id}/correlations", a.handle(anyone, d.correlateObject))
	m.Handle("POST /api/v1/match", a.handle(anyone, d.match))
	m.Handle("GET /api/v1/blocklists/{format}", a.handle(anyone, d.blocklist))
}
