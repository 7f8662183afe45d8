package api

import (
	"encoding/json"
	"io"
	"net/http"

	"github.com/entente/entente/internal/opendata"
)

// getOpendataMetadata answers the open data metadata: publisher, contact, licence, datasets
// (the defaults when none was set).
func (a *API) getOpendataMetadata(w http.ResponseWriter, r *http.Request) error {
	m, ok, err := opendata.LoadMetadata(r.Context(), a.d.Store.Settings())
	if err != nil {
		return fromStore(err, "open data metadata")
	}
	if !ok {
		m = opendata.Metadata{Datasets: opendata.DefaultDatasets()}
	}
	writeJSON(w, http.StatusOK, m)
	return nil
}

// putOpendataMetadata replaces the open data metadata, after validating it whole.
func (a *API) putOpendataMetadata(w http.ResponseWriter, r *http.Request) error {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	if err != nil {
		return err
	}
	m, err := opendata.ParseMetadata(b)
	if err != nil {
		return apiErr(KindInvalid, "%v", err)
	}
	if err := opendata.SaveMetadata(r.Context(), a.d.Store.Settings(), m); err != nil {
		return apiErr(KindInvalid, "%v", err)
	}
	n, _ := json.Marshal(len(m.Datasets))
	if err := a.auditChange(r, "opendata.metadata", "", string(n)+" datasets"); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
