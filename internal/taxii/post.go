package taxii

import (
	"encoding/json"
	"errors"
	"mime"
	"net/http"

	"github.com/entente/entente/internal/ingest"
	"github.com/entente/entente/internal/stix"
	"github.com/entente/entente/internal/store"
)

// statusDetail is one object's line in a status resource.
type statusDetail struct {
	ID      string `json:"id"`
	Version string `json:"version"`
	Message string `json:"message,omitempty"`
}

// statusResource is the TAXII 2.1 status resource.
type statusResource struct {
	ID               string         `json:"id"`
	Status           string         `json:"status"`
	RequestTimestamp string         `json:"request_timestamp,omitempty"`
	TotalCount       int            `json:"total_count"`
	SuccessCount     int            `json:"success_count"`
	Successes        []statusDetail `json:"successes,omitempty"`
	FailureCount     int            `json:"failure_count"`
	Failures         []statusDetail `json:"failures,omitempty"`
	PendingCount     int            `json:"pending_count"`
	Pendings         []statusDetail `json:"pendings,omitempty"`
}

// requestContentType checks that a POST body is declared as TAXII 2.1.
func requestContentType(r *http.Request) error {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return errf(http.StatusUnsupportedMediaType, "Unsupported media type", "a Content-Type of %s is required", MediaType)
	}
	if _, _, err := mime.ParseMediaType(ct); err != nil || !taxiiMedia(ct, false) {
		return errf(http.StatusUnsupportedMediaType, "Unsupported media type", "Content-Type %q is not %s", clip(ct), MediaType)
	}
	return nil
}

func (s *Server) addObjects(w http.ResponseWriter, r *http.Request) error {
	c, err := s.collectionFor(r, false, true)
	if err != nil {
		return err
	}
	if _, err := parseQuery(r.URL.Query()); err != nil {
		return err
	}
	if err := requestContentType(r); err != nil {
		return err
	}
	if r.ContentLength > s.cfg.MaxContentLength {
		return errf(http.StatusRequestEntityTooLarge, "Request too large", "the request body of %d bytes exceeds max_content_length (%d bytes)", r.ContentLength, s.cfg.MaxContentLength)
	}
	body := http.MaxBytesReader(w, r.Body, s.cfg.MaxContentLength)
	p := principal(r)
	requested := s.now().UTC()
	st := statusResource{ID: stix.NewUUID(), Status: "complete", RequestTimestamp: requested.Format(stix.MicroFormat)}
	origin := store.Provenance{OrgID: p.OrgID, Via: "taxii", ReceivedAt: requested}
	in, err := s.verifyPost(r, body, p.OrgID, &origin)
	if err != nil {
		return err
	}
	sum, err := s.ingester.Stream(r.Context(), c.ID, in, origin, func(res ingest.Result) {
		d := statusDetail{ID: res.ID, Version: res.Version}
		if d.ID == "" {
			d.ID = "unknown"
		}
		switch res.Outcome {
		case ingest.Rejected:
			d.Message = res.Reason()
			st.Failures = append(st.Failures, d)
		case ingest.Duplicate:
			d.Message = "duplicate: this version was already in the collection"
			st.Successes = append(st.Successes, d)
		default:
			st.Successes = append(st.Successes, d)
		}
	})
	if err != nil {
		var mbe *http.MaxBytesError
		var se *stix.StreamError
		switch {
		case errors.As(err, &mbe):
			if sum.Total() == 0 {
				return err // 413 by writeError
			}
			st.Failures = append(st.Failures, statusDetail{ID: "unknown", Message: "the rest of the request was not read: it exceeds max_content_length"})
		case errors.As(err, &se):
			if sum.Total() == 0 {
				return errf(http.StatusBadRequest, "Bad request", "the body is not a TAXII envelope: %v", se)
			}
			st.Failures = append(st.Failures, statusDetail{ID: "unknown", Message: "the rest of the request could not be read: " + se.Error()})
		case errors.Is(err, ingest.ErrRefused) && sum.Total() == 0:
			return errf(http.StatusServiceUnavailable, "Service unavailable", "%v", err)
		default:
			return internal(err)
		}
	}
	st.SuccessCount = len(st.Successes)
	st.FailureCount = len(st.Failures)
	st.TotalCount = st.SuccessCount + st.FailureCount
	b, err := json.Marshal(st)
	if err != nil {
		return internal(err)
	}
	if err := s.statuses.PutStatus(r.Context(), st.ID, p.OrgID, requested, b); err != nil {
		return internal(err)
	}
	w.Header().Set("Content-Type", MediaType)
	w.WriteHeader(http.StatusAccepted)
	w.Write(b)
	return nil
}
