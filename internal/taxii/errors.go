package taxii

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
)

// MediaType is the TAXII 2.1 media type every response carries.
const MediaType = "application/taxii+json;version=2.1"

// STIXMediaType is the media type of STIX 2.1 content in manifests and collections.
const STIXMediaType = "application/stix+json;version=2.1"

// Error is a TAXII error: an HTTP status and the error message body of TAXII 2.1 section 3.6.
type Error struct {
	Status      int               `json:"http_status,string,omitempty"`
	Title       string            `json:"title"`
	Description string            `json:"description,omitempty"`
	ErrorID     string            `json:"error_id,omitempty"`
	ErrorCode   string            `json:"error_code,omitempty"`
	Details     map[string]string `json:"details,omitempty"`
	// internal is logged, never shown.
	internal error
}

func (e *Error) Error() string {
	if e.internal != nil {
		return fmt.Sprintf("%d %s: %s: %v", e.Status, e.Title, e.Description, e.internal)
	}
	return fmt.Sprintf("%d %s: %s", e.Status, e.Title, e.Description)
}

func errf(status int, title, format string, args ...any) *Error {
	return &Error{Status: status, Title: title, Description: fmt.Sprintf(format, args...)}
}

func badRequest(format string, args ...any) *Error {
	return errf(http.StatusBadRequest, "Bad request", format, args...)
}

func notFound(format string, args ...any) *Error {
	return errf(http.StatusNotFound, "Not found", format, args...)
}

func forbidden(format string, args ...any) *Error {
	return errf(http.StatusForbidden, "Forbidden", format, args...)
}

func internal(err error) *Error {
	return &Error{Status: http.StatusInternalServerError, Title: "Internal error", Description: "the server could not complete the request", internal: err}
}

// handler is an HTTP handler that returns an error, turned into a TAXII error response by serve.
type handler func(w http.ResponseWriter, r *http.Request) error

func (s *Server) serve(h handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.writeError(w, r, err)
		}
	})
}

func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var te *Error
	if !errors.As(err, &te) {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			te = errf(http.StatusRequestEntityTooLarge, "Request too large", "the request body exceeds max_content_length (%d bytes)", mbe.Limit)
		} else {
			te = internal(err)
		}
	}
	if te.Status >= 500 {
		s.log.Error("taxii request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	} else {
		s.log.Debug("taxii request refused", "method", r.Method, "path", r.URL.Path, "status", te.Status, "reason", te.Description)
	}
	if te.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="entente TAXII", charset="UTF-8"`)
		w.Header().Add("WWW-Authenticate", `Bearer realm="entente TAXII"`)
	}
	writeJSON(w, te.Status, te)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"title":"Internal error","http_status":"500"}`)
	}
	w.Header().Set("Content-Type", MediaType)
	w.WriteHeader(status)
	w.Write(b)
	w.Write([]byte("\n"))
}
